// The binary-log stream on a real 3-node cluster: followed from the cluster's GTID, cut into
// segments that mariadb-binlog reads alone, continued on another node after the followed one is
// SIGKILLed without a gap or a duplicate, and refused with kNotFound from a position beyond a
// node's log or purged from it.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "backup/binlog_segment.h"
#include "backup/binlog_segment_name.h"
#include "binlog_capture.h"
#include "harness.h"
#include "sql/binlog_stream.h"
#include "util/subprocess.h"

namespace mdbop::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPassword = "Integration-Secret-42";
constexpr std::uint32_t kFollowerServerId = 4000000001u;

SqlEndpoint node_endpoint(Installation& mdbop, int index) {
  SqlEndpoint endpoint;
  endpoint.port = mdbop.pods("g").at(static_cast<size_t>(index))["status"]["ports"]["sql"];
  endpoint.password = kPassword;
  endpoint.timeout = 5s;
  return endpoint;
}

// Inserts `count` rows on `connection`, one transaction each; returns their GTIDs' sequences.
std::vector<std::uint64_t> insert_rows(SqlConnection& connection, int count, int first_id,
                                       const std::function<void(int)>& after = {}) {
  std::vector<std::uint64_t> sequences;
  for (int i = 0; i < count; ++i) {
    auto inserted = connection.query("INSERT INTO test.archived VALUES (" +
                                     std::to_string(first_id + i) + "); SELECT @@last_gtid");
    if (!inserted || inserted->rows.empty()) {
      throw std::runtime_error("insert: " + (inserted ? "no GTID" : inserted.error().what()));
    }
    sequences.push_back(cluster_gtid(*inserted->rows[0][0]).sequence);
    if (after) after(i + 1);
  }
  return sequences;
}

// Follows a node into segments written as files under `root`, named as the archive names them.
class Archive {
 public:
  Archive(fs::path root, std::string history) : root_(std::move(root)), history_(history) {}

  // Follows the node from after the last archived GTID until stop() or a failure; the segment
  // under way when it fails is dropped, as the archiver will.
  Result<bool> follow(const SqlEndpoint& endpoint) {
    BinlogFollowRequest request;
    request.from = {last_archived()};
    request.follower_server_id = kFollowerServerId;
    BinlogSegmenter segmenter(0, last_archived());
    auto followed = follow_binlog(
        endpoint, request,
        [&](const BinlogEvent& event) {
          if (auto segment = segmenter.add(event, BinlogSegmenter::Clock::now())) keep(*segment);
        },
        [&] {
          if (auto segment = segmenter.tick(BinlogSegmenter::Clock::now())) keep(*segment);
          return stop_.load();
        });
    stop_ = false;
    return followed;
  }
  void stop() { stop_ = true; }

  void start_at(const Gtid& gtid) {
    std::lock_guard lock(mutex_);
    last_ = gtid;
  }
  Gtid last_archived() {
    std::lock_guard lock(mutex_);
    return last_;
  }
  // The segment files, in the lexical order of their names.
  std::vector<fs::path> files() {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file()) paths.push_back(entry.path());
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }
  const fs::path& root() const { return root_; }

 private:
  void keep(const BinlogSegment& segment) {
    // A follower thread records the failure (a throw would end the test binary).
    if (segment.gap_after) {
      ADD_FAILURE() << "the stream jumped from " << segment.gap_after->text() << " to "
                    << segment.first_gtid.text();
    }
    auto key = binlog_segment_key(
        "archive", {history_, segment.first_gtid.sequence, segment.last_gtid.sequence,
                    segment.first_commit_time, segment.last_commit_time});
    if (!key) throw std::runtime_error(key.error().what());
    fs::path path = root_ / *key;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << segment.bytes;
    std::lock_guard lock(mutex_);
    last_ = segment.last_gtid;
  }

  fs::path root_;
  std::string history_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  Gtid last_;
};

// Every segment file reads alone, its name says what it holds, and together they hold each GTID
// after `after` up to `last` exactly once, in order.
void expect_archive_holds(Archive& archive, std::uint64_t after, std::uint64_t last) {
  std::vector<std::uint64_t> all;
  for (const auto& path : archive.files()) {
    auto name = parse_binlog_segment_key(path.lexically_relative(archive.root()).string());
    ASSERT_TRUE(name) << name.error().what();
    auto sequences = gtids_read_by_mariadb_binlog(path);
    ASSERT_FALSE(sequences.empty()) << path;
    EXPECT_EQ(sequences.front(), name->first_sequence) << path;
    EXPECT_EQ(sequences.back(), name->last_sequence) << path;
    all.insert(all.end(), sequences.begin(), sequences.end());
  }
  std::vector<std::uint64_t> expected;
  for (std::uint64_t sequence = after + 1; sequence <= last; ++sequence) {
    expected.push_back(sequence);
  }
  EXPECT_EQ(all, expected);
}

TEST(BinlogStream, FollowsANodeIntoSegmentsAndContinuesOnAnotherAfterItDies) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  SqlConnection writer = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(writer.execute(
      "CREATE DATABASE IF NOT EXISTS test; CREATE TABLE test.archived (id INT PRIMARY KEY)"));
  const Gtid start = cluster_gtid(single_value(writer, "SELECT @@gtid_binlog_pos"));
  const std::string history =
      writer.status("wsrep_cluster_state_uuid")->at("wsrep_cluster_state_uuid");

  Archive archive(mdbop.home() / "segments", history);
  archive.start_at(start);
  std::optional<Result<bool>> first_end;
  std::thread follower([&] { first_end = archive.follow(node_endpoint(mdbop, 1)); });

  std::vector<std::uint64_t> written = insert_rows(writer, 200, 1);
  ASSERT_EQ(written.front(), start.sequence + 1);
  ASSERT_EQ(written.back(), start.sequence + 200);
  EXPECT_TRUE(eventually([&] { return archive.last_archived().sequence == written.back(); }, 30s))
      << "archived up to " << archive.last_archived().text();
  // Small transactions close segments by age, not one by one.
  EXPECT_LT(archive.files().size(), 200u);
  expect_archive_holds(archive, start.sequence, written.back());

  // Node 1 dies while rows are written: its stream fails as a lost connection, and node 2 goes
  // on from the last archived GTID.
  const pid_t followed_pid = mdbop.pods("g").at(1)["status"]["pid"].get<pid_t>();
  std::vector<std::uint64_t> more = insert_rows(writer, 300, 1000, [&](int done) {
    if (done == 50) kill(followed_pid, SIGKILL);
  });
  follower.join();
  ASSERT_TRUE(first_end.has_value());
  ASSERT_FALSE(*first_end) << "the stream of a killed node ended without an error";
  EXPECT_EQ(first_end->error().code, ErrorCode::kUnavailable) << first_end->error().what();

  std::optional<Result<bool>> second_end;
  std::thread successor([&] { second_end = archive.follow(node_endpoint(mdbop, 2)); });
  EXPECT_TRUE(eventually([&] { return archive.last_archived().sequence == more.back(); }, 30s))
      << "archived up to " << archive.last_archived().text();
  archive.stop();
  successor.join();
  ASSERT_TRUE(second_end.has_value());
  EXPECT_TRUE(*second_end) << second_end->error().what();
  expect_archive_holds(archive, start.sequence, more.back());
  std::cout << "archived " << start.sequence + 1 << ".." << more.back() << " in "
            << archive.files().size()
            << " segments; node 1's stream ended: " << first_end->error().message << "\n";

  // A GTID beyond node 2's log (what a lagging or diverged node answers) is refused at once.
  BinlogFollowRequest beyond;
  beyond.from = {Gtid{0, 1, more.back() + 10}};
  beyond.follower_server_id = kFollowerServerId;
  auto ahead = follow_binlog(
      node_endpoint(mdbop, 2), beyond, [](const BinlogEvent&) {}, [] { return false; });
  ASSERT_FALSE(ahead);
  EXPECT_EQ(ahead.error().code, ErrorCode::kNotFound) << ahead.error().what();
  EXPECT_NE(ahead.error().message.find("not in the master's binlog"), std::string::npos)
      << ahead.error().message;

  // Node 2's binary logs holding the start are purged: that start is a gap there.
  SqlConnection node2 = mdbop.connect("g", 2, kPassword);
  ASSERT_TRUE(node2.execute("FLUSH BINARY LOGS"));
  auto newest = node2.query("SHOW MASTER STATUS");
  ASSERT_TRUE(newest && !newest->rows.empty()) << (newest ? "no rows" : newest.error().what());
  ASSERT_TRUE(node2.execute("PURGE BINARY LOGS TO " + node2.quote(*newest->rows[0][0])));
  BinlogFollowRequest purged;
  purged.from = {start};
  purged.follower_server_id = kFollowerServerId;
  auto refused = follow_binlog(
      node_endpoint(mdbop, 2), purged,
      [](const BinlogEvent& event) {
        if (event.gtid) ADD_FAILURE() << "served " << event.gtid->text() << " after a purge";
      },
      [] { return false; });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound) << refused.error().what();
  EXPECT_NE(refused.error().message.find("purged"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace mdbop::testing
