// The lineage of a node's data: a mark in its data directory naming the node and a random
// id, kept while the data evolves in place (restarts, crash recovery, IST, a mysqldump SST,
// whose rows the node's own InnoDB writes) and lost when the data is replaced. It lives in the
// `mysql` schema's directory, which every state transfer replaces whole: a mariabackup SST
// empties the data directory first, an rsync SST sends each schema directory with --delete
// (top-level files it leaves alone), so the joiner keeps either nothing or the donor's mark,
// another node's. Neither mariadb-backup (it copies the files of known engines only) nor
// mdbop's copies carry it. An incremental backup continues a chain only on the lineage its
// base was taken from: InnoDB's log sequence numbers mean nothing across replaced data.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"

namespace mdbop {

// Where the mark is, relative to the data directory.
inline constexpr const char* kLineageMark = "mysql/mdbop-lineage";

// The mark of the data in `data_dir`, "<pod> <32 random letters and digits>"; a new one is
// written first when there is none, or it names another node, or it is no small regular file.
// It is owned like the `mysql` directory (0640), so that an rsync SST run by the node user can
// send it and write over it. `lock` (outside the data directory) serialises two backups of
// one node making it at once. Fails when `data_dir` has no `mysql` directory (no data).
Result<std::string> data_lineage(const std::filesystem::path& data_dir, const std::string& pod,
                                 const std::filesystem::path& lock);

}  // namespace mdbop
