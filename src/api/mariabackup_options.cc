#include "api/mariabackup_options.h"

#include <algorithm>
#include <cctype>

namespace mdbop {
namespace {

constexpr int kMaxThreads = 64;

// At most `max_digits` decimal digits, so that the number fits what reads it.
bool all_digits(const std::string& s, size_t max_digits = 9) {
  return !s.empty() && s.size() <= max_digits &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// The value of "--name=value" when `arg` is that option; nullopt otherwise.
std::optional<std::string> value_of(const std::string& arg, const std::string& name) {
  const std::string prefix = name + "=";
  if (!arg.starts_with(prefix)) return std::nullopt;
  return arg.substr(prefix.size());
}

bool is_thread_count(const std::string& s) {
  return all_digits(s) && std::stoi(s) >= 1 && std::stoi(s) <= kMaxThreads;
}

// A byte count as mariadb-backup reads it: digits with an optional K, M, G or T.
bool is_size(const std::string& s) {
  if (s.empty()) return false;
  const bool suffix = std::string("KMGTkmgt").find(s.back()) != std::string::npos;
  return all_digits(suffix ? s.substr(0, s.size() - 1) : s, 15);
}

}  // namespace

bool is_compress_option(const std::string& arg) {
  return arg == "--compress" || arg.starts_with("--compress=") ||
         arg.starts_with("--compress-threads") || arg.starts_with("--compress-chunk-size");
}

std::optional<std::string> compress_option_problem(const std::string& arg) {
  if (!arg.starts_with("--compress-threads")) return std::nullopt;
  const auto threads = value_of(arg, "--compress-threads");
  if (!threads) return "write --compress-threads=N, with N in one argument";
  if (!is_thread_count(*threads)) {
    return "--compress-threads must be a whole number from 1 to " + std::to_string(kMaxThreads);
  }
  return std::nullopt;
}

CompressTranslation translate_compress_options(const std::vector<std::string>& args) {
  CompressTranslation t;
  for (const std::string& arg : args) {
    if (!is_compress_option(arg)) {
      t.args.push_back(arg);
      continue;
    }
    t.dropped.push_back(arg);
    // Checked at apply; a value that is not a thread count (a stored object edited by hand)
    // leaves the default rather than throw.
    if (const auto threads = value_of(arg, "--compress-threads");
        threads && is_thread_count(*threads)) {
      t.threads = std::stoi(*threads);
    }
  }
  return t;
}

std::optional<std::string> prepare_option_problem(const std::string& arg) {
  if (const auto memory = value_of(arg, "--use-memory")) {
    if (is_size(*memory)) return std::nullopt;
    return "--use-memory takes a size such as 8G, 512M or 1073741824";
  }
  for (const char* name : {"--innodb-read-io-threads", "--innodb-write-io-threads"}) {
    if (const auto threads = value_of(arg, name)) {
      if (is_thread_count(*threads)) return std::nullopt;
      return std::string(name) + " takes a whole number from 1 to " + std::to_string(kMaxThreads);
    }
  }
  if (arg == "--use-memory" || arg == "--innodb-read-io-threads" ||
      arg == "--innodb-write-io-threads") {
    return "write " + arg + "=VALUE, in one argument";
  }
  return "is not among the options mdbop passes to mariadb-backup --prepare: --use-memory=SIZE "
         "(e.g. --use-memory=8G), --innodb-read-io-threads=N and --innodb-write-io-threads=N; "
         "mdbop chooses the directories and the other options of the prepare itself";
}

}  // namespace mdbop
