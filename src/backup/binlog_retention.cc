#include "backup/binlog_retention.h"

#include <algorithm>
#include <map>
#include <set>

namespace mdbop {

BinlogPrune binlog_segments_beyond_retention(const std::vector<BinlogSegmentName>& archived,
                                             const std::vector<ArchiveBase>& bases,
                                             const std::vector<std::string>& current) {
  BinlogPrune prune;
  if (bases.empty()) return prune;
  std::map<std::string, std::uint64_t> oldest_base;
  for (const ArchiveBase& base : bases) {
    auto [at, inserted] = oldest_base.emplace(base.history, base.sequence);
    if (!inserted) at->second = std::min(at->second, base.sequence);
  }
  // The newest segment of each history says where its archive ends.
  std::map<std::string, std::uint64_t> newest;
  for (const BinlogSegmentName& segment : archived) {
    auto [at, inserted] = newest.emplace(segment.history, segment.last_sequence);
    if (!inserted) at->second = std::max(at->second, segment.last_sequence);
  }
  std::set<std::string> unneeded;
  for (const BinlogSegmentName& segment : archived) {
    auto base = oldest_base.find(segment.history);
    if (base == oldest_base.end()) {
      if (std::find(current.begin(), current.end(), segment.history) == current.end()) {
        unneeded.insert(segment.history);
      }
    } else if (segment.last_sequence <= base->second &&
               segment.last_sequence < newest[segment.history]) {
      prune.segments.push_back(segment);
    }
  }
  prune.histories.assign(unneeded.begin(), unneeded.end());
  return prune;
}

}  // namespace mdbop
