#include "backup/binlog_segment.h"

#include <stdexcept>
#include <utility>

namespace mdbop {

BinlogSegmenter::BinlogSegmenter(std::uint32_t domain_id, std::optional<Gtid> after,
                                 BinlogSegmentLimits limits)
    : domain_id_(domain_id), limits_(limits), last_kept_(after) {}

std::optional<BinlogSegment> BinlogSegmenter::add(const BinlogEvent& event, Clock::time_point now) {
  std::optional<BinlogSegment> closed;
  // A transaction never spans binary-log files: a new file's first events end it too.
  if (transaction_gtid_ && (event.gtid || event.type == binlog_event_type::kFormatDescription ||
                            event.type == binlog_event_type::kRotate)) {
    closed = end_transaction(now);
  }
  if (!transaction_gtid_) {
    if (event.type == binlog_event_type::kFormatDescription) {
      // The open segment's transactions were written under the format it holds.
      if (closed && open_) throw std::logic_error("two segments closed by one binary-log event");
      if (!closed) closed = close();
      format_description_ = event.raw;
      return closed;
    }
    if (!event.gtid) return closed;  // between transactions: not archived
    if (format_description_.empty()) {
      throw std::logic_error("binary-log transaction " + event.gtid->text() +
                             " before any format description");
    }
    transaction_gtid_ = event.gtid;
    transaction_kept_ = event.gtid->domain_id == domain_id_;
    transaction_.clear();
  }
  if (transaction_kept_) transaction_ += event.raw;
  transaction_time_ = event.timestamp;
  if (!event.ends_transaction) return closed;
  auto ended = end_transaction(now);
  // A GTID event never ends the group it begins: at most one segment closes per event.
  if (closed && ended) throw std::logic_error("two segments closed by one binary-log event");
  return closed ? std::move(closed) : std::move(ended);
}

std::optional<BinlogSegment> BinlogSegmenter::end_transaction(Clock::time_point now) {
  const Gtid gtid = *std::exchange(transaction_gtid_, std::nullopt);
  if (!transaction_kept_) return std::nullopt;
  const bool jumped = last_kept_ && (last_kept_->domain_id != gtid.domain_id ||
                                     gtid.sequence != last_kept_->sequence + 1);
  std::optional<BinlogSegment> closed;
  if (jumped) closed = close();
  if (!open_) {
    open_ = BinlogSegment{};
    open_->bytes.reserve(kBinlogMagic.size() + format_description_.size() + transaction_.size());
    open_->bytes.append(kBinlogMagic);
    open_->bytes += format_description_;
    open_->first_gtid = gtid;
    open_->first_commit_time = transaction_time_;
    if (jumped) open_->gap_after = last_kept_;
    opened_at_ = now;
  }
  open_->bytes += transaction_;
  transaction_.clear();
  open_->last_gtid = gtid;
  open_->last_commit_time = transaction_time_;
  ++open_->transactions;
  last_kept_ = gtid;
  if (closed) return closed;
  if (open_->bytes.size() >= limits_.max_bytes) return close();
  return tick(now);
}

std::optional<BinlogSegment> BinlogSegmenter::tick(Clock::time_point now) {
  if (open_ && now - opened_at_ >= limits_.max_age) return close();
  return std::nullopt;
}

std::optional<BinlogSegment> BinlogSegmenter::close() { return std::exchange(open_, std::nullopt); }

}  // namespace mdbop
