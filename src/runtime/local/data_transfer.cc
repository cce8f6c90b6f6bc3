#include "runtime/local/data_transfer.h"

#include "runtime/local/data_lineage.h"
#include "runtime/local/local_runtime.h"
#include "util/random_password.h"
#include "util/subprocess.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;

// Extracts a tar archive into a staging directory; finish() moves it in as the node's data.
class DataTaking : public ByteSink {
 public:
  DataTaking(std::unique_ptr<ProcessInputSink> tar, fs::path staging, fs::path target,
             NodeUser owner, std::function<bool()> server_running)
      : tar_(std::move(tar)),
        staging_(std::move(staging)),
        target_(std::move(target)),
        owner_(std::move(owner)),
        server_running_(std::move(server_running)) {}
  ~DataTaking() override {
    if (finished_) return;
    tar_.reset();  // kills the extraction
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }

  Result<void> write(std::string_view bytes) override { return tar_->write(bytes); }
  Result<void> finish() override {
    if (auto extracted = tar_->finish(); !extracted) return extracted;
    // Started meanwhile: its data is not replaced under it (the destructor drops the copy).
    if (server_running_()) return fail(ErrorCode::kConflict, "the node's server started");
    finished_ = true;
    auto moved = move_staged_data(staging_, target_, owner_);
    if (!moved) return tl::unexpected(moved.error());
    return {};
  }

 private:
  std::unique_ptr<ProcessInputSink> tar_;
  fs::path staging_;
  fs::path target_;
  NodeUser owner_;
  std::function<bool()> server_running_;
  bool finished_ = false;
};

}  // namespace

Result<bool> send_directory(const fs::path& directory, const std::vector<std::string>& excluded,
                            ByteSink& out, const std::string& what) {
  SubprocessOptions tar;
  tar.argv = {"tar", "--create", "--file=-", "--directory=" + directory.string()};
  for (const char* file : kNodeOwnDataFiles) tar.argv.push_back(std::string("--exclude=./") + file);
  for (const std::string& file : excluded) tar.argv.push_back("--exclude=./" + file);
  tar.argv.push_back(".");
  tar.timeout = std::chrono::hours(24);
  auto sent = run_process_to_sink(tar, out);
  if (!sent) return tl::unexpected(sent.error());
  if (!sent->ok()) return fail("sending " + what + ": tar " + sent->describe());
  return true;
}

Result<bool> LocalRuntime::send_data(const NodeId& id, ByteSink& out) {
  // A running server's files are no consistent copy.
  if (running_pid(id)) return fail(ErrorCode::kConflict, id.pod() + " is running");
  const fs::path data = node_dir(id) / "data";
  if (!fs::exists(data)) return fail(ErrorCode::kNotFound, id.pod() + " has no data");
  return send_directory(data, {kLineageMark}, out, id.pod() + "'s data");
}

Result<std::unique_ptr<ByteSink>> LocalRuntime::take_data(const NodeId& id) {
  if (!node_user_) return tl::unexpected(node_user_.error());
  if (running_pid(id)) return fail(ErrorCode::kConflict, id.pod() + " is running");
  // A staging directory of its own: an abandoned take (its operator killed) cleans only its own.
  auto suffix = random_password(12);
  if (!suffix) return tl::unexpected(suffix.error());
  const fs::path staging = node_dir(id) / ("data.taking-" + *suffix);
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  fs::permissions(staging, fs::perms::owner_all, ec);
  if (ec) return fail("making " + staging.string() + ": " + ec.message());
  SubprocessOptions tar;
  // Members stay inside the staging directory (GNU tar refuses names with ".." and strips a
  // leading "/"), and become ours, then the node user's.
  tar.argv = {"tar", "--extract", "--file=-", "--no-same-owner", "--directory=" + staging.string()};
  auto extraction = ProcessInputSink::start(tar);
  if (!extraction) return tl::unexpected(extraction.error());
  return std::unique_ptr<ByteSink>(std::make_unique<DataTaking>(
      std::move(*extraction), staging, node_dir(id) / "data", *node_user_,
      [this, id] { return running_pid(id).has_value(); }));
}

}  // namespace mdbop
