#include "agent/remote/binlog_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/files.h"

namespace mdbop {

namespace fs = std::filesystem;

namespace {

// Writes a file under a temporary name, renamed to its own once finished.
class SpoolFileSink : public ByteSink {
 public:
  SpoolFileSink(int fd, fs::path part, fs::path final_path)
      : fd_(fd), part_(std::move(part)), final_(std::move(final_path)) {}
  ~SpoolFileSink() override {
    if (fd_ >= 0) ::close(fd_);
    if (!finished_) {
      std::error_code ignored;
      fs::remove(part_, ignored);
    }
  }
  Result<void> write(std::string_view bytes) override {
    while (!bytes.empty()) {
      const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) return fail("writing " + part_.string() + ": " + std::strerror(errno));
      bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
  }
  Result<void> finish() override {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return fail("writing " + part_.string() + ": " + std::strerror(errno));
    std::error_code ec;
    fs::rename(part_, final_, ec);
    if (ec) return fail("renaming " + part_.string() + ": " + ec.message());
    finished_ = true;
    return {};
  }

 private:
  int fd_;
  fs::path part_;
  fs::path final_;
  bool finished_ = false;
};

}  // namespace

fs::path BinlogSpool::dir_of(const ReceivedBackup& received) const {
  return dir_ / (received.purpose == ReceivedBackup::Purpose::kVerify ? "verify" : "restores") /
         received.namespace_ / received.name;
}

Result<std::unique_ptr<ByteSink>> BinlogSpool::take_file(const ReceivedBackup& received,
                                                         std::size_t index) {
  const fs::path dir = dir_of(received);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir.string() + ": " + ec.message());
  const fs::path final_path = dir / std::to_string(index);
  const fs::path part = dir / (std::to_string(index) + ".part");
  // The files are decrypted binary logs: the agent's user alone reads them.
  const int fd = ::open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + part.string() + ": " + std::strerror(errno));
  return std::make_unique<SpoolFileSink>(fd, part, final_path);
}

std::function<Result<std::optional<std::string>>()> BinlogSpool::files(
    const ReceivedBackup& received, std::size_t count) {
  return [dir = dir_of(received), count,
          next = std::size_t{0}]() mutable -> Result<std::optional<std::string>> {
    if (next == count) return std::optional<std::string>();
    const fs::path path = dir / std::to_string(next);
    if (!fs::exists(path)) {
      return fail(ErrorCode::kNotFound, "binary-log file " + std::to_string(next + 1) + " of " +
                                            std::to_string(count) + " never came");
    }
    auto bytes = read_file(path);
    if (!bytes) return tl::unexpected(bytes.error());
    std::error_code ignored;
    fs::remove(path, ignored);
    ++next;
    return std::optional<std::string>(std::move(*bytes));
  };
}

void BinlogSpool::discard(const ReceivedBackup& received) {
  std::error_code ignored;
  fs::remove_all(dir_of(received), ignored);
}

void BinlogSpool::discard_all() {
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

}  // namespace mdbop
