#include "cli/printers.h"

#include <ctime>

namespace mdbop {

std::string render_table(const std::vector<std::string>& headers,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(headers.size());
  for (size_t c = 0; c < headers.size(); ++c) widths[c] = headers[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  std::string out;
  auto append_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      line += cells[c];
      if (c + 1 < cells.size()) line += std::string(widths[c] - cells[c].size() + 3, ' ');
    }
    out += line + "\n";
  };
  append_row(headers);
  for (const auto& row : rows) append_row(row);
  return out;
}

std::string age_since(const std::string& rfc3339) {
  std::tm parts{};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts) == nullptr) return "<unknown>";
  long long seconds = static_cast<long long>(std::time(nullptr) - timegm(&parts));
  if (seconds < 0) seconds = 0;
  if (seconds < 120) return std::to_string(seconds) + "s";
  if (seconds < 7200) return std::to_string(seconds / 60) + "m";
  if (seconds < 172800) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

}  // namespace mdbop
