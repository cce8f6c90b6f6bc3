// ByteSink: where a stream of bytes goes, one stage of a pipeline (compress -> encrypt ->
// hash -> store). Stages own or borrow the next stage and pass bytes on as they go, so a
// backup is never staged whole in memory or on disk.
#pragma once

#include <string_view>

#include "util/result.h"

namespace mdbop {

class ByteSink {
 public:
  virtual ~ByteSink() = default;

  // Takes the next bytes. A failure is final: the stream is broken and must be abandoned.
  virtual Result<void> write(std::string_view bytes) = 0;

  // No more bytes: flushes what the stage holds, then finishes the next stage. Called once,
  // only after every write succeeded.
  virtual Result<void> finish() = 0;
};

}  // namespace mdbop
