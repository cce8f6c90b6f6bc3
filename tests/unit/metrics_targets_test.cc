// The Prometheus file_sd targets: which nodes are listed and how (file_sd_targets), and the
// file kept with them, rewritten only when its content changes (TargetsFile).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "metrics/file_sd_targets.h"
#include "metrics/targets_file.h"
#include "temp_dir_test.h"
#include "util/files.h"

namespace mdbop {
namespace {

using nlohmann::json;

// A MariaDB as the store holds it; `ports`: each node's index and exporter port (0: none).
json mariadb(const std::string& namespace_, const std::string& name, bool metrics,
             const std::vector<std::pair<int, int>>& ports) {
  json nodes = json::array();
  for (const auto& [index, port] : ports) {
    json node = {{"pod", name + "-" + std::to_string(index)},
                 {"index", index},
                 {"ports", {{"sql", 33000}, {"galera", 33001}}}};
    if (port != 0) node["ports"]["metrics"] = port;
    nodes.push_back(node);
  }
  return {{"kind", "MariaDB"},
          {"metadata", {{"name", name}, {"namespace", namespace_}}},
          {"spec", {{"replicas", 3}, {"metrics", {{"enabled", metrics}}}}},
          {"status", {{"nodes", nodes}}}};
}

json node_entry(int port, const std::string& namespace_, const std::string& name,
                const std::string& pod) {
  return {
      {"targets", {"127.0.0.1:" + std::to_string(port)}},
      {"labels", {{"job", "mysqld"}, {"namespace", namespace_}, {"mariadb", name}, {"pod", pod}}}};
}

TEST(FileSdTargets, TheOperatorThenEveryExporterSortedByNamespaceMariaDBAndIndex) {
  const std::vector<json> mariadbs = {
      mariadb("prod", "b", true, {{10, 33110}, {2, 33102}}),
      mariadb("prod", "a", true, {{0, 33200}, {1, 0}}),  // g-1's exporter is not up yet
      mariadb("default", "z", true, {{0, 33300}}),
      mariadb("default", "off", false, {{0, 33400}}),  // metrics not enabled
  };
  const json expected = json::array({
      {{"targets", {"127.0.0.1:34999"}}, {"labels", {{"job", "mdbop"}}}},
      node_entry(33300, "default", "z", "z-0"),
      node_entry(33200, "prod", "a", "a-0"),
      node_entry(33102, "prod", "b", "b-2"),
      node_entry(33110, "prod", "b", "b-10"),
  });
  EXPECT_EQ(json::parse(file_sd_targets(mariadbs, "127.0.0.1:34999")), expected);
}

TEST(FileSdTargets, AnOperatorOnEveryInterfaceIsScrapedOnLoopback) {
  EXPECT_EQ(json::parse(file_sd_targets({}, "0.0.0.0:9104")),
            json::array({{{"targets", {"127.0.0.1:9104"}}, {"labels", {{"job", "mdbop"}}}}}));
  EXPECT_EQ(json::parse(file_sd_targets({}, "10.0.0.5:9104"))[0]["targets"][0], "10.0.0.5:9104");
}

TEST(FileSdTargets, NoOperatorEntryWhenItsEndpointIsOff) {
  EXPECT_EQ(json::parse(file_sd_targets({mariadb("default", "z", true, {{0, 33300}})}, "")),
            json::array({node_entry(33300, "default", "z", "z-0")}));
  EXPECT_EQ(json::parse(file_sd_targets({}, "")), json::array());
}

TEST(FileSdTargets, AnEnabledFieldOfAnotherTypeListsNoNodeAndThrowsNothing) {
  json stored = mariadb("default", "z", true, {{0, 33300}});
  stored["spec"]["metrics"]["enabled"] = "true";  // stored before spec.metrics had a schema
  EXPECT_EQ(json::parse(file_sd_targets({stored}, "")), json::array());
}

class TargetsFileTest : public TempDirTest {
 protected:
  std::filesystem::path path() const { return dir_ / "prometheus" / "targets.json"; }
  ino_t inode() const {
    struct stat info {};
    EXPECT_EQ(stat(path().c_str(), &info), 0);
    return info.st_ino;
  }
  mode_t mode(const std::filesystem::path& of) const {
    struct stat info {};
    EXPECT_EQ(stat(of.c_str(), &info), 0);
    return info.st_mode & 07777;
  }
};

TEST_F(TargetsFileTest, WrittenReadableByAllAndRewrittenOnlyWhenItChanges) {
  TargetsFile targets(path(), "127.0.0.1:34999");
  const std::vector<json> one = {mariadb("default", "z", true, {{0, 33300}})};
  targets.refresh(one);
  EXPECT_EQ(*read_file(path()), file_sd_targets(one, "127.0.0.1:34999"));
  EXPECT_EQ(mode(path()), 0644u);
  EXPECT_EQ(mode(path().parent_path()), 0755u);

  // The same targets: the file is left as it is (a rewrite would be a new inode).
  const ino_t first = inode();
  targets.refresh(one);
  EXPECT_EQ(inode(), first);

  const std::vector<json> two = {mariadb("default", "z", true, {{0, 33300}, {1, 33301}})};
  targets.refresh(two);
  EXPECT_EQ(*read_file(path()), file_sd_targets(two, "127.0.0.1:34999"));
}

TEST_F(TargetsFileTest, AFileThatHoldsTheTargetsAlreadyIsNotRewritten) {
  const std::vector<json> one = {mariadb("default", "z", true, {{0, 33300}})};
  TargetsFile(path(), "127.0.0.1:34999").refresh(one);
  const ino_t first = inode();
  // A new operator (a restart) finds the file as it would write it.
  TargetsFile(path(), "127.0.0.1:34999").refresh(one);
  EXPECT_EQ(inode(), first);
}

}  // namespace
}  // namespace mdbop
