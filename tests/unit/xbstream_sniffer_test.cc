#include "backup/xbstream_sniffer.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "temp_dir_test.h"

#include "util/files.h"
#include "util/subprocess.h"

namespace mdbop {
namespace {

class Collect : public ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    text.append(bytes);
    return {};
  }
  Result<void> finish() override { return {}; }
  std::string text;
};

class XbstreamSnifferTest : public TempDirTest {
 protected:
  // An xbstream made by the real mbstream tool from files in the temporary directory.
  std::string make_stream(const std::map<std::string, std::string>& files) {
    std::vector<std::string> argv = {"mbstream", "-c"};
    for (const auto& [name, content] : files) {
      EXPECT_TRUE(write_file_atomic(dir_ / name, content));
      argv.push_back(name);
    }
    SubprocessOptions options;
    options.argv = argv;
    options.working_dir = dir_.string();
    auto result = run_process(options);
    EXPECT_TRUE(result && result->ok());
    return result ? result->stdout_text : "";
  }
};

TEST_F(XbstreamSnifferTest, CapturesWantedFilesWhateverTheWriteSizes) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  std::mt19937 random(7);
  for (char& c : big) c = static_cast<char>(random());
  const std::string stream = make_stream({{"ibdata1", big},
                                          {"xtrabackup_galera_info", "fb4a29ea-e616:13 0\n"},
                                          {"other_small", "ignored"}});
  ASSERT_FALSE(stream.empty());
  for (size_t step : {size_t{1}, size_t{7}, size_t{4096}, size_t{1} << 20}) {
    Collect collected;
    XbstreamSniffer sniffer(collected, {"xtrabackup_galera_info", "missing_file"});
    for (size_t at = 0; at < stream.size(); at += step) {
      ASSERT_TRUE(sniffer.write(std::string_view(stream).substr(at, step)));
    }
    ASSERT_TRUE(sniffer.finish());
    EXPECT_EQ(collected.text, stream) << "bytes must pass through unchanged";
    ASSERT_EQ(sniffer.files().count("xtrabackup_galera_info"), 1u) << "step " << step;
    EXPECT_EQ(sniffer.files().at("xtrabackup_galera_info"), "fb4a29ea-e616:13 0\n");
    EXPECT_EQ(sniffer.files().count("other_small"), 0u);
    EXPECT_EQ(sniffer.files().count("missing_file"), 0u);
  }
}

TEST_F(XbstreamSnifferTest, SomethingElseThanXbstreamPassesThroughUntouched) {
  Collect collected;
  XbstreamSniffer sniffer(collected, {"xtrabackup_galera_info"});
  ASSERT_TRUE(sniffer.write("this is not an xbstream at all, just bytes"));
  ASSERT_TRUE(sniffer.finish());
  EXPECT_EQ(collected.text, "this is not an xbstream at all, just bytes");
  EXPECT_TRUE(sniffer.files().empty());
}

}  // namespace
}  // namespace mdbop
