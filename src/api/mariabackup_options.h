// What mdbop does with the mariadb-backup options a manifest gives. A Backup's --compress and
// --compress-threads=N would make qpress output, which nothing here decompresses: they become
// mdbop's own compression (zstd on N threads) and leave the command line. A Restore's
// options go to `mariadb-backup --prepare`, and only from an allowlist whose values are
// checked: a manifest never puts an arbitrary argument on a command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mdbop {

// --compress, --compress=<algorithm>, --compress-threads=N and --compress-chunk-size=N.
bool is_compress_option(const std::string& arg);

struct CompressTranslation {
  std::vector<std::string> args;     // the arguments without the compress options
  std::vector<std::string> dropped;  // the compress options, as written
  int threads = 0;                   // N of --compress-threads=N; 0 when not given
};

// Meant for arguments compress_option_problem found nothing in; a thread count it would refuse
// is left out (threads stays 0).
CompressTranslation translate_compress_options(const std::vector<std::string>& args);

// Why a compress option cannot be translated (--compress-threads without "=N", or N outside
// 1..64); nullopt when it can, or when `arg` is no compress option.
std::optional<std::string> compress_option_problem(const std::string& arg);

// Why `arg` cannot be passed to mariadb-backup --prepare; nullopt when it may. Allowed:
// --use-memory=SIZE (e.g. 8G), --innodb-read-io-threads=N and --innodb-write-io-threads=N
// (1..64).
std::optional<std::string> prepare_option_problem(const std::string& arg);

}  // namespace mdbop
