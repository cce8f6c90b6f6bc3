// DumpCheck: the end of a logical artifact's check. It takes the SQL text a verifying read
// gives and discards it, having looked at its first line: a dump begins as mariadb-dump writes
// it (the sandbox-mode line, "-- MariaDB dump ...", "/*!40101 SET ..."), or, when there was no
// database to dump, with mdbop's accounts part. Anything else (another file, a dump someone
// replaced) is refused. That the text is complete is proven by the size and digest the read
// checks.
#pragma once

#include <string>
#include <string_view>

#include "util/byte_sink.h"

namespace mdbop {

class DumpCheck : public ByteSink {
 public:
  // Fails at a first line that does not begin a dump.
  Result<void> write(std::string_view bytes) override;
  // Fails when no line ever came (an empty dump).
  Result<void> finish() override;

  // The first line, once seen (at most 200 bytes of it).
  const std::string& first_line() const { return first_line_; }

 private:
  Result<void> check();

  std::string first_line_;
  bool checked_ = false;
};

}  // namespace mdbop
