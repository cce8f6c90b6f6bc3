#include "backup/progress_sink.h"

namespace mdbop {

ProgressSink::ProgressSink(ByteSink& next, const ProgressCallback& report,
                           std::function<std::uint64_t()> stored_bytes)
    : next_(next), report_(report), stored_bytes_(std::move(stored_bytes)) {}

Result<void> ProgressSink::write(std::string_view bytes) {
  bytes_ += bytes.size();
  if (report_ && Clock::now() - last_report_ >= std::chrono::seconds(1)) report();
  return next_.write(bytes);
}

Result<void> ProgressSink::finish() {
  auto finished = next_.finish();
  if (finished && report_) report();
  return finished;
}

void ProgressSink::report() {
  last_report_ = Clock::now();
  report_({bytes_, stored_bytes_ ? stored_bytes_() : bytes_,
           std::chrono::duration<double>(last_report_ - started_).count()});
}

}  // namespace mdbop
