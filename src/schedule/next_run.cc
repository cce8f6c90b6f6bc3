#include "schedule/next_run.h"

#include <algorithm>

namespace mdbop {
namespace {

using std::chrono::seconds;
using std::chrono::sys_seconds;

bool day_matches(const CronExpression& expression, date::local_days day) {
  const date::year_month_day ymd(day);
  const bool dom = expression.days_of_month.test(static_cast<unsigned>(ymd.day()));
  const bool dow = expression.days_of_week.test(date::weekday(day).c_encoding());
  if (expression.day_of_month_star || expression.day_of_week_star) return dom && dow;
  return dom || dow;
}

// The first set bit at or after `from`, or N.
template <size_t N>
size_t next_set(const std::bitset<N>& bits, size_t from) {
  while (from < N && !bits.test(from)) ++from;
  return from;
}

// The first wall-clock minute at or after `from` and before `limit` that the expression matches,
// ignoring time zones. Skips whole months and days that cannot match, so a search over years
// visits each day of the matching months at most once.
std::optional<date::local_seconds> next_local_match(const CronExpression& expression,
                                                    date::local_seconds from,
                                                    date::local_seconds limit) {
  const date::local_seconds start = date::ceil<std::chrono::minutes>(from);
  date::local_days day = date::floor<date::days>(start);
  auto minute_of_day =
      static_cast<size_t>(std::chrono::duration_cast<std::chrono::minutes>(start - day).count());
  while (day < limit) {
    const date::year_month_day ymd(day);
    if (!expression.months.test(static_cast<unsigned>(ymd.month()))) {
      const date::year_month next_month = ymd.year() / ymd.month() + date::months(1);
      day = date::local_days(next_month / 1);
      minute_of_day = 0;
      continue;
    }
    if (day_matches(expression, day)) {
      for (size_t hour = next_set(expression.hours, minute_of_day / 60); hour < 24;
           hour = next_set(expression.hours, hour + 1)) {
        const size_t first_minute = hour == minute_of_day / 60 ? minute_of_day % 60 : 0;
        const size_t minute = next_set(expression.minutes, first_minute);
        if (minute == 60) continue;
        const date::local_seconds match =
            day + std::chrono::hours(hour) + std::chrono::minutes(minute);
        if (match >= limit) return std::nullopt;
        return match;
      }
    }
    day += date::days(1);
    minute_of_day = 0;
  }
  return std::nullopt;
}

date::local_seconds to_local(sys_seconds instant, seconds offset) {
  return date::local_seconds(instant.time_since_epoch() + offset);
}

}  // namespace

std::optional<sys_seconds> next_run_after(const CronExpression& expression,
                                          const date::time_zone* zone, sys_seconds after) {
  const bool every_hour = expression.hours.all();
  const sys_seconds horizon = after + std::chrono::duration_cast<seconds>(kScheduleSearchHorizon);
  // Walk the zone's periods of constant UTC offset, starting with the one holding `after`. In
  // each, local and UTC time map one to one, so the first local match is the first instant.
  date::sys_info period = zone->get_info(after);
  sys_seconds from = after + seconds(1);
  while (true) {
    const seconds offset = period.offset;
    // For the zone's earliest period this is the period itself: no transition.
    const seconds previous_offset = zone->get_info(period.begin - seconds(1)).offset;
    date::local_seconds start = to_local(from, offset);
    if (!every_hour) {
      // Spring forward: scheduled local times that were skipped run once, at the end of the gap.
      if (offset > previous_offset && period.begin > after &&
          next_local_match(expression, to_local(period.begin, previous_offset),
                           to_local(period.begin, offset))) {
        return period.begin;
      }
      // Fall back: local times repeated from the previous period have already run there.
      start = std::max(start, to_local(period.begin, previous_offset));
    }
    const sys_seconds end = std::min(period.end, horizon);
    if (auto match = next_local_match(expression, start, to_local(end, offset))) {
      return sys_seconds(match->time_since_epoch() - offset);
    }
    if (end == horizon) return std::nullopt;
    from = period.end;
    period = zone->get_info(period.end);
  }
}

}  // namespace mdbop
