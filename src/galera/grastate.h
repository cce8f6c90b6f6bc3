// grastate.dat: Galera's saved state of a node (cluster UUID, last committed seqno,
// safe_to_bootstrap), and the position printed by `mariadbd --wsrep-recover`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace mdbop {

inline constexpr const char* kZeroUuid = "00000000-0000-0000-0000-000000000000";

struct GaleraPosition {
  std::string uuid = kZeroUuid;
  int64_t seqno = -1;
  // With wsrep_gtid_mode, the GTID position InnoDB recorded with the seqno ("0-1-557"), as the
  // server printed it; empty when it printed none.
  std::string gtid;
};

struct GraState {
  std::string version = "2.1";
  std::string uuid = kZeroUuid;
  int64_t seqno = -1;
  bool safe_to_bootstrap = false;
};

// Parses the file's "key: value" lines; unknown keys and comments are ignored.
Result<GraState> parse_grastate(std::string_view text);
// Renders in Galera's own format, so that mariadbd accepts it.
std::string render_grastate(const GraState& state);

// Finds "WSREP: Recovered position: <uuid>:<seqno>[,<gtid position>]" in the output of
// `mariadbd --wsrep-recover` (the last one wins). Fails when none is present.
Result<GaleraPosition> parse_recovered_position(std::string_view log_text);

}  // namespace mdbop
