// A node's data copied into another's: on one machine file by file (LocalRuntime::copy_data);
// between machines (pods) as a tar archive streamed from one agent to the other
// (LocalRuntime::send_data, take_data). Either way the gcache, the group view and grastate.dat
// stay the source's, and the copy is a lineage of its own (data_lineage.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/local/node_user.h"
#include "util/byte_sink.h"
#include "util/result.h"

namespace mdbop {

// The files of a data directory that stay with their node when the data is copied to another:
// the gcache and the group view are the source's, and the caller writes grastate.dat.
inline constexpr const char* kNodeOwnDataFiles[] = {"galera.cache", "gvwstate.dat", "grastate.dat"};

// Makes the copied data in `staging` the node's data at `target` (the user's), replacing what
// was there, without the source's lineage mark.
Result<bool> move_staged_data(const std::filesystem::path& staging,
                              const std::filesystem::path& target, const NodeUser& owner);

// The files under `directory` as a tar archive into `out` (not finished), but for the node's own
// (kNodeOwnDataFiles) and the files `excluded` names. `what` names the data in errors.
Result<bool> send_directory(const std::filesystem::path& directory,
                            const std::vector<std::string>& excluded, ByteSink& out,
                            const std::string& what);

}  // namespace mdbop
