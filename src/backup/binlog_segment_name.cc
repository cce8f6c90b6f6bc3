#include "backup/binlog_segment_name.h"

#include <charconv>
#include <string>

#include <fmt/format.h>

namespace mdbop {

namespace {

constexpr std::size_t kSequenceDigits = 20;  // 2^64 - 1 has 20 digits
constexpr std::string_view kSuffix = ".seg";
constexpr std::string_view kFolder = "binlog";

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Digits only, `digits` of them when non-zero, within the type.
template <class Number>
bool parse_number(std::string_view text, std::size_t digits, Number& out) {
  if (text.empty() || (digits != 0 && text.size() != digits)) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

tl::unexpected<Error> not_a_segment(std::string_view key, const std::string& why) {
  return fail(ErrorCode::kInvalid,
              "\"" + std::string(key) + "\" is not a binary-log segment's name: " + why);
}

}  // namespace

Result<std::string> binlog_history_folder(std::string_view prefix, std::string_view history) {
  if (!is_uuid(history)) {
    return fail(ErrorCode::kInvalid, "binary-log history \"" + std::string(history) +
                                         "\" is not a cluster state UUID (lowercase 8-4-4-4-12)");
  }
  if (!prefix.empty() && (prefix.front() == '/' || prefix.back() == '/')) {
    return fail(ErrorCode::kInvalid, "binary-log archive prefix \"" + std::string(prefix) +
                                         "\" must not begin or end with '/'");
  }
  std::string folder = prefix.empty() ? std::string() : std::string(prefix) + "/";
  return folder + std::string(kFolder) + "/" + std::string(history) + "/";
}

Result<std::string> binlog_segment_key(std::string_view prefix, const BinlogSegmentName& name) {
  auto folder = binlog_history_folder(prefix, name.history);
  if (!folder) return folder;
  if (name.first_sequence > name.last_sequence) {
    return fail(ErrorCode::kInvalid, fmt::format("binary-log segment from sequence {} to {}",
                                                 name.first_sequence, name.last_sequence));
  }
  return *folder + fmt::format("{:020}-{:020}-{}-{}{}", name.first_sequence, name.last_sequence,
                               name.first_commit_time, name.last_commit_time, kSuffix);
}

Result<BinlogSegmentName> parse_binlog_segment_key(std::string_view key) {
  // .../binlog/<history>/<file>
  std::size_t file_slash = key.rfind('/');
  if (file_slash == std::string_view::npos) return not_a_segment(key, "no history folder");
  std::string_view file = key.substr(file_slash + 1);
  std::string_view folders = key.substr(0, file_slash);
  std::size_t history_slash = folders.rfind('/');
  std::string_view history =
      history_slash == std::string_view::npos ? folders : folders.substr(history_slash + 1);
  std::string_view parent = history_slash == std::string_view::npos
                                ? std::string_view()
                                : folders.substr(0, history_slash);
  std::size_t parent_slash = parent.rfind('/');
  if (parent_slash != std::string_view::npos) parent = parent.substr(parent_slash + 1);
  if (parent != kFolder) return not_a_segment(key, "not under a binlog/<history>/ folder");

  BinlogSegmentName name;
  if (!is_uuid(history)) return not_a_segment(key, "the history is not a UUID");
  name.history = std::string(history);
  if (file.size() <= kSuffix.size() || file.substr(file.size() - kSuffix.size()) != kSuffix) {
    return not_a_segment(key, "no .seg suffix");
  }
  file.remove_suffix(kSuffix.size());
  std::string_view parts[4];
  for (int i = 0; i < 4; ++i) {
    std::size_t dash = file.find('-');
    if ((i < 3) == (dash == std::string_view::npos)) {
      return not_a_segment(key, "not <first>-<last>-<first time>-<last time>");
    }
    parts[i] = file.substr(0, dash);
    if (i < 3) file.remove_prefix(dash + 1);
  }
  if (!parse_number(parts[0], kSequenceDigits, name.first_sequence) ||
      !parse_number(parts[1], kSequenceDigits, name.last_sequence)) {
    return not_a_segment(key, "sequence numbers are 20 digits");
  }
  if (!parse_number(parts[2], 0, name.first_commit_time) ||
      !parse_number(parts[3], 0, name.last_commit_time)) {
    return not_a_segment(key, "times are Unix seconds");
  }
  if (name.first_sequence > name.last_sequence) {
    return not_a_segment(key, "the first sequence number is past the last");
  }
  return name;
}

}  // namespace mdbop
