// Helpers for the metrics tests: families rendered as /metrics serves them, the sample lines of
// one metric, and instants for known status.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include <prometheus/text_serializer.h>

#include "util/rfc3339.h"

namespace mdbop {

// The Prometheus text exposition of `families`, as a scrape gets it.
inline std::string exposition(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

// The sample lines of the metric `name` (not its HELP and TYPE lines), in order.
inline std::vector<std::string> samples(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) lines.push_back(line);
  }
  return lines;
}

inline std::chrono::system_clock::time_point instant(const std::string& rfc3339) {
  return *parse_rfc3339(rfc3339);
}

}  // namespace mdbop
