// Cron expressions in the crontab(5) syntax of Vixie cron (cronie on most Linux systems), so
// schedules written for a crontab keep their meaning here.
#pragma once

#include <bitset>
#include <string>

#include "util/result.h"

namespace mdbop {

// The set of times one expression matches, as one bit per allowed value of each field.
struct CronExpression {
  std::string text;  // As written, for display.
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // Bits 1-31.
  std::bitset<13> months;         // Bits 1-12.
  std::bitset<7> days_of_week;    // 0 = Sunday; a 7 in the text is folded into 0.
  // Whether the day fields start with `*` (`*`, `*/2`). As in Vixie cron, a day matches when
  // either day field does if neither starts with `*`, and when both do otherwise.
  bool day_of_month_star = false;
  bool day_of_week_star = false;
};

// Parses five fields "minute hour day-of-month month day-of-week" separated by blanks, each a
// list of `*`, `a`, `a-b`, `*/n`, `a-b/n` or `a/n` (a to the field's maximum, every n); months
// also by name JAN-DEC and weekdays SUN-SAT (any case), day-of-week 7 also Sunday. Or one of
// @yearly @annually @monthly @weekly @daily @midnight @hourly. Values are checked against each
// field's range, but not against each other: "0 0 30 2 *" parses and never runs. The error
// names the field ("field 2 (hour): 25 is out of range 0-23"), without the caller's field path.
Result<CronExpression> parse_cron(const std::string& text);

}  // namespace mdbop
