// A pass-through stage that counts the bytes reaching it and reports progress about once a
// second and once at the end, for a Backup's or a Restore's status.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "util/byte_sink.h"

namespace mdbop {

struct BackupProgress {
  std::uint64_t source_bytes = 0;  // read from the tool (backup) or the storage (restore)
  std::uint64_t stored_bytes = 0;  // written to the storage so far (backup)
  double seconds = 0;
};

using ProgressCallback = std::function<void(const BackupProgress&)>;

class ProgressSink : public ByteSink {
 public:
  // `stored_bytes` tells the report how much a later stage has stored; without it the report
  // gives the bytes counted here.
  ProgressSink(ByteSink& next, const ProgressCallback& report,
               std::function<std::uint64_t()> stored_bytes = {});

  Result<void> write(std::string_view bytes) override;
  Result<void> finish() override;
  std::uint64_t bytes() const { return bytes_; }

 private:
  using Clock = std::chrono::steady_clock;
  void report();

  ByteSink& next_;
  const ProgressCallback& report_;
  std::function<std::uint64_t()> stored_bytes_;
  std::uint64_t bytes_ = 0;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_report_ = Clock::now();
};

}  // namespace mdbop
