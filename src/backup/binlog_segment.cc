#include "backup/binlog_segment.h"

#include <stdexcept>
#include <utility>

namespace mdbop {

BinlogSegmenter::BinlogSegmenter(std::uint32_t domain_id, BinlogSegmentLimits limits)
    : domain_id_(domain_id), limits_(limits) {}

std::optional<BinlogSegment> BinlogSegmenter::add(const BinlogEvent& event, Clock::time_point now) {
  if (!transaction_gtid_) {
    if (event.type == binlog_event_type::kFormatDescription) {
      auto closed = close();
      format_description_ = event.raw;
      return closed;
    }
    if (!event.gtid) return std::nullopt;  // between transactions: not archived
    if (format_description_.empty()) {
      throw std::logic_error("binary-log transaction " + event.gtid->text() +
                             " before any format description");
    }
    transaction_gtid_ = event.gtid;
    transaction_kept_ = event.gtid->domain_id == domain_id_;
    transaction_.clear();
  }
  if (transaction_kept_) transaction_ += event.raw;
  if (!event.ends_transaction) return std::nullopt;

  const Gtid gtid = *transaction_gtid_;
  transaction_gtid_.reset();
  if (!transaction_kept_) return std::nullopt;
  if (!open_) {
    open_ = BinlogSegment{};
    open_->bytes.reserve(kBinlogMagic.size() + format_description_.size() + transaction_.size());
    open_->bytes.append(kBinlogMagic);
    open_->bytes += format_description_;
    open_->first_gtid = gtid;
    open_->first_commit_time = event.timestamp;
    opened_at_ = now;
  }
  open_->bytes += transaction_;
  transaction_.clear();
  open_->last_gtid = gtid;
  open_->last_commit_time = event.timestamp;
  ++open_->transactions;
  if (open_->bytes.size() >= limits_.max_bytes) return close();
  return tick(now);
}

std::optional<BinlogSegment> BinlogSegmenter::tick(Clock::time_point now) {
  if (open_ && now - opened_at_ >= limits_.max_age) return close();
  return std::nullopt;
}

void BinlogSegmenter::discard() {
  open_.reset();
  transaction_.clear();
  transaction_gtid_.reset();
  transaction_kept_ = false;
  format_description_.clear();
}

std::optional<BinlogSegment> BinlogSegmenter::close() { return std::exchange(open_, std::nullopt); }

}  // namespace mdbop
