// When a cron schedule next runs, in the wall-clock time of an IANA time zone.
#pragma once

#include <chrono>
#include <optional>

#include <date/tz.h>

#include "schedule/cron_expression.h"

namespace mdbop {

// How far next_run_after looks. Every expression that can run at all does so within it: the
// rarest, February 29 that is also a Sunday ("0 0 29 2 */7"), recurs at most 40 years apart.
inline constexpr std::chrono::years kScheduleSearchHorizon{50};

// The first instant strictly after `after` at which `expression` runs in `zone`, or nullopt when
// there is none within kScheduleSearchHorizon (an expression such as "0 0 30 2 *" never runs).
// REQUIRES: `zone` is not null.
//
// Daylight saving time, where a local time happens twice (fall back) or not at all (spring
// forward), splits jobs in two, by the hour field:
//  - A job pinned to certain hours ("30 2 * * *", "*/15 1 * * *") runs each scheduled local time
//    once. A time that happens twice runs at its first occurrence; a time that does not happen
//    runs at the first instant after the gap, and several such times collapse into that one run.
//    So a daily job runs exactly once on both transition days.
//  - A job whose hour field takes every hour ("*/15 * * * *", "0 * * * *") follows real elapsed
//    time: it runs at both occurrences of a repeated hour, and local times inside a gap are
//    skipped, since no real time passes there ("*/15 * * * *" runs at 01:45 and then 03:00).
// This is what Vixie cron does for fixed-time and wildcard jobs, with one difference: it counts
// a job as wildcard when its minute field starts with `*` too, and skips such jobs in a gap, so
// "*/15 2 * * *" would not run at all on the spring-forward day.
std::optional<std::chrono::sys_seconds> next_run_after(const CronExpression& expression,
                                                       const date::time_zone* zone,
                                                       std::chrono::sys_seconds after);

}  // namespace mdbop
