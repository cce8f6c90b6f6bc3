// A file written whole or not at all: the bytes go to a hidden temporary sibling
// (".<name>.partial-<random>", mode 0600), which finish() fsyncs and renames into place. A
// writer destroyed unfinished removes its temporary, so a failed or interrupted write leaves
// nothing under the file's name. Used for the objects of FilesystemStorage and for
// `mdbop backup download -o FILE`.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>

#include "storage/backup_storage.h"

namespace mdbop {

enum class Overwrite { kReplace, kRefuse };

// Creates the temporary beside `target`, whose directory must exist (errno ENOENT otherwise,
// in the error's text). With kRefuse, finish() fails if `target` exists by then.
Result<std::unique_ptr<ObjectWriter>> create_file_writer(const std::filesystem::path& target,
                                                         Overwrite overwrite);

// "no space left on device writing /backups/k": errno's text, lower-cased, then what was being
// done to which path. One form for every I/O failure, so full disks and permissions read alike.
std::string describe_io_error(int error, std::string_view doing, const std::filesystem::path& path);

}  // namespace mdbop
