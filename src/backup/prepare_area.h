// PrepareArea: where a check of a physical artifact unpacks it (`mbstream -x`) and prepares it
// (`mariadb-backup --prepare`), away from every node, and which it removes afterwards. The node
// agent provides one (agent/verify_area.h); backup/ only drives it.
#pragma once

#include <functional>
#include <memory>

#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

class PrepareArea {
 public:
  virtual ~PrepareArea() = default;
  // A sink that unpacks the stream into the area, emptied first; finish() ends the unpacking
  // and fails when it did not succeed.
  virtual Result<std::unique_ptr<ByteSink>> unpack() = 0;
  // Prepares what was unpacked, as a restore would before starting a server on it. Fails with
  // kCorrupt when the data is at fault, with another code when the machine is (space, memory).
  // `should_stop` true (polled) ends it early, as a failure.
  virtual Result<void> prepare(const std::function<bool()>& should_stop) = 0;
  // A sink that unpacks an incremental backup's stream beside the prepared data (emptied
  // first); finish() ends the unpacking and fails when it did not succeed.
  virtual Result<std::unique_ptr<ByteSink>> unpack_incremental() = 0;
  // Applies what unpack_incremental unpacked to the prepared data (mariadb-backup --prepare
  // --incremental-dir), then removes it. Failures as prepare's.
  virtual Result<void> apply_incremental(const std::function<bool()>& should_stop) = 0;
  // Removes the area and anything still running in it.
  virtual void discard() = 0;
};

}  // namespace mdbop
