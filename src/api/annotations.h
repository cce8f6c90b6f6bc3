// The annotations mdbop's CLI writes and its controllers act on.
#pragma once

namespace mdbop {

// Set by `mdbop backup run NAME`: a backup is taken now whenever its value changes.
inline constexpr const char* kRunNowAnnotation = "mdbop.io/run-now";
// Set by `mdbop delete --purge`: "true" removes the nodes' data with the MariaDB.
inline constexpr const char* kPurgeAnnotation = "mdbop.io/purge";

}  // namespace mdbop
