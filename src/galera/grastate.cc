#include "galera/grastate.h"

#include <cctype>
#include <charconv>

namespace mdbop {

namespace {

constexpr std::string_view kRecoveredMarker = "WSREP: Recovered position:";

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

// Galera prints UUIDs in lowercase; normalising lets the planner compare them as strings.
Result<std::string> parse_uuid(std::string_view text) {
  if (text.size() != 36) return fail("invalid UUID '" + std::string(text) + "'");
  std::string uuid;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? c != '-' : std::isxdigit(static_cast<unsigned char>(c)) == 0) {
      return fail("invalid UUID '" + std::string(text) + "'");
    }
    uuid += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return uuid;
}

// -1 means "undefined"; anything lower cannot come from Galera.
Result<int64_t> parse_seqno(std::string_view text) {
  int64_t seqno = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seqno);
  if (error != std::errc() || end != text.data() + text.size() || seqno < -1) {
    return fail("invalid seqno '" + std::string(text) + "'");
  }
  return seqno;
}

}  // namespace

Result<GraState> parse_grastate(std::string_view text) {
  GraState state;
  bool have_uuid = false;
  bool have_seqno = false;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    // Galera pads a shrinking file with spaces, so blank and space-only lines are normal.
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "version") {
      state.version = std::string(value);
    } else if (key == "uuid") {
      auto uuid = parse_uuid(value);
      if (!uuid) return fail("grastate.dat: " + uuid.error().message);
      state.uuid = std::move(*uuid);
      have_uuid = true;
    } else if (key == "seqno") {
      auto seqno = parse_seqno(value);
      if (!seqno) return fail("grastate.dat: " + seqno.error().message);
      state.seqno = *seqno;
      have_seqno = true;
    } else if (key == "safe_to_bootstrap") {
      if (value != "0" && value != "1") {
        return fail("grastate.dat: invalid safe_to_bootstrap '" + std::string(value) + "'");
      }
      state.safe_to_bootstrap = value == "1";
    }
  }
  // A file without both is truncated or not Galera's; guessing a position could lose data.
  if (!have_uuid) return fail("grastate.dat: no uuid line");
  if (!have_seqno) return fail("grastate.dat: no seqno line");
  return state;
}

std::string render_grastate(const GraState& state) {
  return "# GALERA saved state\nversion: " + state.version + "\nuuid:    " + state.uuid +
         "\nseqno:   " + std::to_string(state.seqno) +
         "\nsafe_to_bootstrap: " + (state.safe_to_bootstrap ? "1" : "0") + "\n";
}

Result<GaleraPosition> parse_recovered_position(std::string_view log_text) {
  // Only the last line counts: falling back to an earlier one on a malformed last line could
  // report an older, lower position.
  const size_t marker = log_text.rfind(kRecoveredMarker);
  if (marker == std::string_view::npos) {
    return fail("no 'WSREP: Recovered position' line in the --wsrep-recover output");
  }
  std::string_view rest = log_text.substr(marker + kRecoveredMarker.size());
  rest = trim(rest.substr(0, rest.find('\n')));
  // With wsrep_gtid_mode the server appends ",<domain>-<server>-<seqno>" after the position.
  const std::string_view position = rest.substr(0, rest.find_first_of(", \t"));
  const size_t colon = position.rfind(':');
  if (colon == std::string_view::npos) {
    return fail("malformed recovered position '" + std::string(position) + "'");
  }
  auto uuid = parse_uuid(position.substr(0, colon));
  if (!uuid) return fail("recovered position: " + uuid.error().message);
  auto seqno = parse_seqno(position.substr(colon + 1));
  if (!seqno) return fail("recovered position: " + seqno.error().message);
  GaleraPosition recovered{std::move(*uuid), *seqno, ""};
  if (const size_t comma = rest.find(','); comma != std::string_view::npos) {
    recovered.gtid = std::string(trim(rest.substr(comma + 1)));
  }
  return recovered;
}

}  // namespace mdbop
