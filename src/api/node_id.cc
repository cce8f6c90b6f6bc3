#include "api/node_id.h"

#include <charconv>

namespace mdbop {

std::optional<NodeId> node_id_from_pod(const std::string& namespace_, const std::string& pod) {
  auto dash = pod.rfind('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == pod.size()) return std::nullopt;
  int index = 0;
  const char* first = pod.data() + dash + 1;
  const char* last = pod.data() + pod.size();
  auto [end, error] = std::from_chars(first, last, index);
  if (error != std::errc() || end != last || index < 0) return std::nullopt;
  return NodeId{namespace_, pod.substr(0, dash), index};
}

}  // namespace mdbop
