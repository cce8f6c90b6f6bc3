#include "util/private_home.h"

#include <sys/stat.h>
#include <unistd.h>

#include "temp_dir_test.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(lstat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

class PrivateHome : public TempDirTest {};

TEST_F(PrivateHome, CreatesTheHomeTraversableAndTheStorePrivate) {
  const fs::path home = dir_ / "a" / "home";
  ASSERT_TRUE(prepare_home(home));
  EXPECT_EQ(mode_of(home), 0711u);
  EXPECT_EQ(mode_of(home / "store"), 0700u);
  // An existing home of ours is brought to the same modes.
  ASSERT_EQ(chmod(home.c_str(), 0700), 0);
  ASSERT_EQ(chmod((home / "store").c_str(), 0755), 0);
  ASSERT_TRUE(prepare_home(home));
  EXPECT_EQ(mode_of(home), 0711u);
  EXPECT_EQ(mode_of(home / "store"), 0700u);
}

TEST_F(PrivateHome, RefusesAHomeOthersCanWrite) {
  const fs::path home = dir_ / "home";
  ASSERT_EQ(mkdir(home.c_str(), 0700), 0);
  ASSERT_EQ(chmod(home.c_str(), 0777), 0);
  auto prepared = prepare_home(home);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().what(),
            home.string() +
                " is writable by group or others (mode 0777), who could swap what mdbop acts on; "
                "chmod 0711 " +
                home.string() +
                " if its contents are trusted, or set MDBOP_HOME to a new directory");
  EXPECT_FALSE(fs::exists(home / "store"));
  EXPECT_EQ(mode_of(home), 0777u);  // refused, not repaired
}

TEST_F(PrivateHome, RefusesAStoreThatIsASymlink) {
  const fs::path home = dir_ / "home";
  ASSERT_EQ(mkdir(home.c_str(), 0700), 0);
  fs::create_directory_symlink(dir_, home / "store");
  auto prepared = prepare_home(home);
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().what().find("is not a directory"), std::string::npos);
}

TEST_F(PrivateHome, RefusesAHomeBelowADirectoryOthersCanWrite) {
  const fs::path open = dir_ / "open";
  ASSERT_EQ(mkdir(open.c_str(), 0700), 0);
  ASSERT_EQ(chmod(open.c_str(), 0777), 0);
  auto prepared = prepare_home(open / "home");
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().what().find(open.string() + " (above MDBOP_HOME " +
                                         (open / "home").string() +
                                         ") is writable by group or others (mode 0777)"),
            std::string::npos)
      << prepared.error().what();
  EXPECT_FALSE(fs::exists(open / "home"));
  // Sticky, as /tmp is: others cannot rename what is ours.
  ASSERT_EQ(chmod(open.c_str(), 01777), 0);
  EXPECT_TRUE(prepare_home(open / "home"));
}

TEST_F(PrivateHome, RefusesAHomeOwnedByAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  const fs::path home = dir_ / "home";
  ASSERT_EQ(mkdir(home.c_str(), 0711), 0);
  ASSERT_EQ(chown(home.c_str(), 65534, 65534), 0);
  auto prepared = prepare_home(home);
  ASSERT_FALSE(prepared);
  EXPECT_NE(prepared.error().what().find(home.string() + " is owned by uid 65534"),
            std::string::npos)
      << prepared.error().what();
}

}  // namespace
}  // namespace mdbop
