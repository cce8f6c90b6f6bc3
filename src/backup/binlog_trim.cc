#include "backup/binlog_trim.h"

namespace mdbop {
namespace {

tl::unexpected<Error> not_a_segment(const std::string& why) {
  return fail(ErrorCode::kCorrupt, "not a binary-log segment as archived: " + why);
}

bool past_stop(const BinlogReplayRange& range, const Gtid& gtid, std::uint32_t commit_time) {
  return (range.stop_sequence && gtid.sequence > *range.stop_sequence) ||
         (range.stop_time && commit_time > *range.stop_time);
}

}  // namespace

Result<TrimmedBinlogSegment> trim_binlog_segment(const std::string& segment,
                                                 const BinlogReplayRange& range) {
  auto events = parse_binlog_file(segment);
  if (!events) return tl::unexpected(events.error());
  if (events->empty() || events->front().type != binlog_event_type::kFormatDescription) {
    return not_a_segment("it does not begin with a format description");
  }
  TrimmedBinlogSegment trimmed;
  trimmed.bytes = std::string(kBinlogMagic) + events->front().raw;
  BinlogTransactionTracker tracker;
  tracker.track(events->front());  // the checksum setting, to read Query events
  std::string transaction;
  Gtid gtid;
  for (std::size_t i = 1; i < events->size() && !trimmed.reached_stop; ++i) {
    BinlogEvent& event = (*events)[i];
    const bool begins = !tracker.in_transaction();
    tracker.track(event);
    if (!begins && event.gtid) {
      return not_a_segment("transaction " + gtid.text() + " has no end before " +
                           event.gtid->text());
    }
    if (begins) {
      if (!event.gtid) return not_a_segment("an event outside a transaction");
      if (event.gtid->domain_id != range.start_after.domain_id) {
        return not_a_segment("GTID " + event.gtid->text() + " is not of the cluster's domain " +
                             std::to_string(range.start_after.domain_id));
      }
      gtid = *event.gtid;
      transaction.clear();
    }
    transaction += event.raw;
    if (!event.ends_transaction) continue;
    if (gtid.sequence <= range.start_after.sequence) continue;  // in the base already
    if (past_stop(range, gtid, event.timestamp)) {
      trimmed.reached_stop = true;
      break;
    }
    trimmed.bytes += transaction;
    trimmed.last_gtid = gtid;
    trimmed.last_commit_time = event.timestamp;
    ++trimmed.transactions;
    trimmed.reached_stop = range.stop_sequence && gtid.sequence == *range.stop_sequence;
  }
  if (tracker.in_transaction() && !trimmed.reached_stop) {
    return not_a_segment("it ends inside transaction " + gtid.text());
  }
  return trimmed;
}

}  // namespace mdbop
