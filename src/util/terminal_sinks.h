// Sinks that end a pipeline in memory: NullSink discards (for measuring and checking),
// StringSink keeps everything (for tests and small objects).
#pragma once

#include <string>
#include <string_view>

#include "util/byte_sink.h"

namespace mdbop {

class NullSink : public ByteSink {
 public:
  Result<void> write(std::string_view) override { return {}; }
  Result<void> finish() override { return {}; }
};

class StringSink : public ByteSink {
 public:
  Result<void> write(std::string_view bytes) override {
    data_.append(bytes);
    return {};
  }
  Result<void> finish() override {
    finished_ = true;
    return {};
  }

  const std::string& data() const { return data_; }
  bool finished() const { return finished_; }

 private:
  std::string data_;
  bool finished_ = false;
};

}  // namespace mdbop
