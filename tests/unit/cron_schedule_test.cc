#include "schedule/next_run.h"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "schedule/time_zone.h"

namespace mdbop {
namespace {

using std::chrono::sys_seconds;

// Instants are written and compared as UTC text "YYYY-MM-DD HH:MM", so a failure reads plainly.
sys_seconds utc(const std::string& text) {
  std::istringstream in(text);
  int year = 0;
  unsigned month = 0, day = 0;
  int hour = 0, minute = 0;
  char dash1 = 0, dash2 = 0, colon = 0;
  in >> year >> dash1 >> month >> dash2 >> day >> hour >> colon >> minute;
  const date::year_month_day ymd = date::year(year) / month / day;
  if (!in || dash1 != '-' || dash2 != '-' || colon != ':' || !ymd.ok()) {
    throw std::invalid_argument("bad test instant " + text);
  }
  return date::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute);
}

std::string utc_text(sys_seconds instant) { return date::format("%F %R", instant); }

CronExpression cron(const std::string& text) {
  auto expression = parse_cron(text);
  if (!expression) throw std::invalid_argument(text + ": " + expression.error().what());
  return *expression;
}

const date::time_zone* zone(const std::string& name) {
  auto found = find_time_zone(name);
  if (!found) throw std::invalid_argument(found.error().what());
  return *found;
}

// The first run strictly after `after`, or "never".
std::string next(const std::string& expression, const std::string& zone_name,
                 const std::string& after) {
  const auto run = next_run_after(cron(expression), zone(zone_name), utc(after));
  return run ? utc_text(*run) : "never";
}

// Every run after `from` up to and including `to`, found by feeding each run back in.
std::vector<std::string> runs(const std::string& expression, const std::string& zone_name,
                              const std::string& from, const std::string& to) {
  const CronExpression parsed = cron(expression);
  const date::time_zone* time_zone = zone(zone_name);
  std::vector<std::string> result;
  for (auto run = next_run_after(parsed, time_zone, utc(from)); run && *run <= utc(to);
       run = next_run_after(parsed, time_zone, *run)) {
    result.push_back(utc_text(*run));
  }
  return result;
}

using Runs = std::vector<std::string>;

TEST(CronTimeZone, EmptyNameIsUtc) {
  auto found = find_time_zone("");
  ASSERT_TRUE(found) << found.error().what();
  EXPECT_EQ((*found)->name(), "UTC");
}

TEST(CronTimeZone, FindsIanaNames) {
  for (const char* name :
       {"Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"}) {
    auto found = find_time_zone(name);
    ASSERT_TRUE(found) << found.error().what();
    EXPECT_EQ((*found)->name(), name);
  }
}

TEST(CronTimeZone, UnknownNameSaysWhatToWrite) {
  for (const char* name : {"Berlin", "europe/berlin", "CEST+2", "../../etc/passwd"}) {
    auto found = find_time_zone(name);
    ASSERT_FALSE(found) << name;
    EXPECT_EQ(found.error().message,
              std::string("unknown time zone \"") + name +
                  "\"; use an IANA name such as \"Europe/Berlin\", \"America/New_York\" or "
                  "\"UTC\"");
  }
}

TEST(CronScheduleUtc, RunsStrictlyAfterTheGivenInstant) {
  EXPECT_EQ(next("*/15 * * * *", "UTC", "2026-01-01 10:07"), "2026-01-01 10:15");
  EXPECT_EQ(next("*/15 * * * *", "UTC", "2026-01-01 10:15"), "2026-01-01 10:30");
  EXPECT_EQ(next("* * * * *", "UTC", "2026-01-01 10:15"), "2026-01-01 10:16");
  EXPECT_EQ(next("0 0 * * *", "UTC", "2026-01-01 00:00"), "2026-01-02 00:00");
}

TEST(CronScheduleUtc, SecondsAfterAMinuteWaitForTheNextOne) {
  const CronExpression every_minute = cron("* * * * *");
  const auto run =
      next_run_after(every_minute, zone("UTC"), utc("2026-01-01 10:15") + std::chrono::seconds(59));
  ASSERT_TRUE(run);
  EXPECT_EQ(utc_text(*run), "2026-01-01 10:16");
}

TEST(CronScheduleUtc, RollsOverHoursDaysMonthsAndYears) {
  EXPECT_EQ(next("30 * * * *", "UTC", "2026-01-01 23:45"), "2026-01-02 00:30");
  EXPECT_EQ(next("0 0 1 * *", "UTC", "2026-12-31 23:59"), "2027-01-01 00:00");
  EXPECT_EQ(next("15 10 * * *", "UTC", "2026-04-30 10:15"), "2026-05-01 10:15");
  EXPECT_EQ(next("@yearly", "UTC", "2026-06-01 00:00"), "2027-01-01 00:00");
  EXPECT_EQ(next("@hourly", "UTC", "2026-06-01 00:00"), "2026-06-01 01:00");
  EXPECT_EQ(next("@monthly", "UTC", "2026-06-01 00:00"), "2026-07-01 00:00");
}

TEST(CronScheduleUtc, SkipsMonthsWithoutTheDay) {
  EXPECT_EQ(runs("0 0 31 * *", "UTC", "2026-01-01 00:00", "2026-12-31 23:59"),
            (Runs{"2026-01-31 00:00", "2026-03-31 00:00", "2026-05-31 00:00", "2026-07-31 00:00",
                  "2026-08-31 00:00", "2026-10-31 00:00", "2026-12-31 00:00"}));
  EXPECT_EQ(next("30 0 30 * *", "UTC", "2026-01-30 00:30"), "2026-03-30 00:30");
}

TEST(CronScheduleUtc, LeapYears) {
  EXPECT_EQ(next("0 12 * 2 *", "UTC", "2028-02-28 12:00"), "2028-02-29 12:00");
  EXPECT_EQ(next("0 12 * 2 *", "UTC", "2027-02-28 12:00"), "2028-02-01 12:00");
  EXPECT_EQ(next("0 0 1 3 *", "UTC", "2028-02-28 00:00"), "2028-03-01 00:00");
}

TEST(CronScheduleUtc, FebruaryTwentyNinthOnlyInLeapYears) {
  EXPECT_EQ(next("0 0 29 2 *", "UTC", "2026-01-01 00:00"), "2028-02-29 00:00");
  EXPECT_EQ(next("0 0 29 2 *", "UTC", "2028-02-29 00:00"), "2032-02-29 00:00");
  // 2100 is not a leap year (divisible by 100, not by 400); 2000 was.
  EXPECT_EQ(next("0 0 29 2 *", "UTC", "2096-03-01 00:00"), "2104-02-29 00:00");
  EXPECT_EQ(next("0 0 29 2 *", "UTC", "1999-01-01 00:00"), "2000-02-29 00:00");
}

TEST(CronScheduleUtc, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // January 2026: Fridays are the 2nd, 9th, 16th, 23rd and 30th; the 13th is a Tuesday.
  EXPECT_EQ(runs("0 0 13 * FRI", "UTC", "2026-01-01 00:00", "2026-01-31 23:59"),
            (Runs{"2026-01-02 00:00", "2026-01-09 00:00", "2026-01-13 00:00", "2026-01-16 00:00",
                  "2026-01-23 00:00", "2026-01-30 00:00"}));
  EXPECT_EQ(runs("0 0 13 * *", "UTC", "2026-01-01 00:00", "2026-01-31 23:59"),
            (Runs{"2026-01-13 00:00"}));
  EXPECT_EQ(runs("0 0 * * FRI", "UTC", "2026-01-01 00:00", "2026-01-16 23:59"),
            (Runs{"2026-01-02 00:00", "2026-01-09 00:00", "2026-01-16 00:00"}));
}

TEST(CronScheduleUtc, DayFieldStartingWithStarMakesBothDayFieldsApply) {
  // As Vixie cron: "*/2" counts as a star, so odd days that are also Fridays.
  EXPECT_EQ(runs("0 0 */2 * FRI", "UTC", "2026-01-01 00:00", "2026-01-31 23:59"),
            (Runs{"2026-01-09 00:00", "2026-01-23 00:00"}));
}

TEST(CronScheduleUtc, WeekdaySevenIsSunday) {
  // 2026-01-01 is a Thursday.
  for (const char* sunday : {"0 0 * * 7", "0 0 * * 0", "0 0 * * SUN", "@weekly"}) {
    EXPECT_EQ(next(sunday, "UTC", "2026-01-01 00:00"), "2026-01-04 00:00") << sunday;
  }
  EXPECT_EQ(runs("0 0 * * 6-7", "UTC", "2026-01-01 00:00", "2026-01-11 23:59"),
            (Runs{"2026-01-03 00:00", "2026-01-04 00:00", "2026-01-10 00:00", "2026-01-11 00:00"}));
}

TEST(CronScheduleUtc, ExpressionThatNeverRunsEndsTheSearch) {
  EXPECT_EQ(next("0 0 30 2 *", "UTC", "2026-01-01 00:00"), "never");
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", "Europe/Berlin", "2026-01-01 00:00"), "never");
}

TEST(CronScheduleUtc, RarestExpressionIsFoundWithinTheHorizon) {
  // February 29 that is also a Sunday ("*/7" = 0,7 = Sunday, and a star: both day fields
  // apply): 2032, then 2060, 2088, 2128 (2100 is no leap year), 40 years apart.
  EXPECT_EQ(next("0 0 29 2 */7", "UTC", "2089-01-01 00:00"), "2128-02-29 00:00");
}

// Europe/Berlin 2026: CET (+1) to CEST (+2) at 2026-03-29 01:00 UTC (local 02:00 -> 03:00), back
// at 2026-10-25 01:00 UTC (local 03:00 -> 02:00).

TEST(CronScheduleBerlin, DailyJobInTheSpringGapRunsOnceAtItsEnd) {
  EXPECT_EQ(runs("30 2 * * *", "Europe/Berlin", "2026-03-27 00:00", "2026-03-31 00:00"),
            (Runs{"2026-03-27 01:30",     // 02:30 CET
                  "2026-03-28 01:30",     // 02:30 CET
                  "2026-03-29 01:00",     // 02:30 does not exist: 03:00 CEST
                  "2026-03-30 00:30"}));  // 02:30 CEST
  EXPECT_EQ(next("0 2 * * *", "Europe/Berlin", "2026-03-28 12:00"), "2026-03-29 01:00");
  EXPECT_EQ(next("30 2 * * SUN", "Europe/Berlin", "2026-03-23 00:00"), "2026-03-29 01:00");
}

TEST(CronScheduleBerlin, DailyJobInTheRepeatedHourRunsOnceAtTheFirst) {
  EXPECT_EQ(runs("30 2 * * *", "Europe/Berlin", "2026-10-23 12:00", "2026-10-26 12:00"),
            (Runs{"2026-10-24 00:30",     // 02:30 CEST
                  "2026-10-25 00:30",     // first 02:30 (CEST); not again at 01:30 UTC (CET)
                  "2026-10-26 01:30"}));  // 02:30 CET
}

TEST(CronScheduleBerlin, JobPinnedToTheGapHourRunsOnce) {
  // Four times in the hour that does not exist collapse into one run at 03:00 CEST.
  EXPECT_EQ(runs("*/15 2 * * *", "Europe/Berlin", "2026-03-28 00:00", "2026-03-29 23:00"),
            (Runs{"2026-03-28 01:00", "2026-03-28 01:15", "2026-03-28 01:30", "2026-03-28 01:45",
                  "2026-03-29 01:00"}));
}

TEST(CronScheduleBerlin, JobPinnedToTheRepeatedHourRunsItOnce) {
  EXPECT_EQ(runs("*/15 2 * * *", "Europe/Berlin", "2026-10-24 12:00", "2026-10-25 12:00"),
            (Runs{"2026-10-25 00:00", "2026-10-25 00:15", "2026-10-25 00:30", "2026-10-25 00:45"}));
}

TEST(CronScheduleBerlin, EveryQuarterHourKeepsRealTimeThroughSpringForward) {
  // 01:30 and 01:45 CET, then 03:00 CEST: never four runs at 03:00.
  EXPECT_EQ(runs("*/15 * * * *", "Europe/Berlin", "2026-03-29 00:15", "2026-03-29 01:30"),
            (Runs{"2026-03-29 00:30", "2026-03-29 00:45", "2026-03-29 01:00", "2026-03-29 01:15",
                  "2026-03-29 01:30"}));
}

TEST(CronScheduleBerlin, EveryQuarterHourKeepsRealTimeThroughFallBack) {
  // 02:00-02:45 CEST, then 02:00-02:45 CET again, then 03:00 CET: every 15 real minutes.
  EXPECT_EQ(runs("*/15 * * * *", "Europe/Berlin", "2026-10-24 23:59", "2026-10-25 02:00"),
            (Runs{"2026-10-25 00:00", "2026-10-25 00:15", "2026-10-25 00:30", "2026-10-25 00:45",
                  "2026-10-25 01:00", "2026-10-25 01:15", "2026-10-25 01:30", "2026-10-25 01:45",
                  "2026-10-25 02:00"}));
}

TEST(CronScheduleBerlin, HourlyJobRunsEveryRealHour) {
  EXPECT_EQ(runs("0 * * * *", "Europe/Berlin", "2026-10-24 22:30", "2026-10-25 02:00"),
            (Runs{"2026-10-24 23:00",     // 01:00 CEST
                  "2026-10-25 00:00",     // 02:00 CEST
                  "2026-10-25 01:00",     // 02:00 CET
                  "2026-10-25 02:00"}));  // 03:00 CET
  // 02:00 does not exist in spring; 03:00 CEST is one real hour after 01:00 CET.
  EXPECT_EQ(runs("0 * * * *", "Europe/Berlin", "2026-03-28 23:30", "2026-03-29 02:00"),
            (Runs{"2026-03-29 00:00", "2026-03-29 01:00", "2026-03-29 02:00"}));
}

// America/New_York 2026: EST (-5) to EDT (-4) at 2026-03-08 07:00 UTC (local 02:00 -> 03:00),
// back at 2026-11-01 06:00 UTC (local 02:00 -> 01:00).

TEST(CronScheduleNewYork, DailyJobInTheSpringGapRunsOnceAtItsEnd) {
  EXPECT_EQ(runs("30 2 * * *", "America/New_York", "2026-03-06 12:00", "2026-03-09 12:00"),
            (Runs{"2026-03-07 07:30",     // 02:30 EST
                  "2026-03-08 07:00",     // 02:30 does not exist: 03:00 EDT
                  "2026-03-09 06:30"}));  // 02:30 EDT
}

TEST(CronScheduleNewYork, DailyJobInTheRepeatedHourRunsOnceAtTheFirst) {
  EXPECT_EQ(runs("30 1 * * *", "America/New_York", "2026-10-30 12:00", "2026-11-02 12:00"),
            (Runs{"2026-10-31 05:30",     // 01:30 EDT
                  "2026-11-01 05:30",     // first 01:30 (EDT); not again at 06:30 UTC (EST)
                  "2026-11-02 06:30"}));  // 01:30 EST
}

TEST(CronScheduleNewYork, StartingInsideTheRepeatedHourDoesNotRunItAgain) {
  // 06:10 UTC is 01:10 EST, the second pass: 01:30 already ran at 05:30 UTC.
  EXPECT_EQ(next("30 1 * * *", "America/New_York", "2026-11-01 06:10"), "2026-11-02 06:30");
  EXPECT_EQ(next("*/15 1 * * *", "America/New_York", "2026-11-01 06:10"), "2026-11-02 06:00");
  // An every-hour job does run in the second pass.
  EXPECT_EQ(next("30 * * * *", "America/New_York", "2026-11-01 06:10"), "2026-11-01 06:30");
}

TEST(CronScheduleNewYork, EveryQuarterHourKeepsRealTime) {
  EXPECT_EQ(runs("*/15 * * * *", "America/New_York", "2026-03-08 06:30", "2026-03-08 07:15"),
            (Runs{"2026-03-08 06:45", "2026-03-08 07:00", "2026-03-08 07:15"}));
  EXPECT_EQ(runs("*/15 * * * *", "America/New_York", "2026-11-01 05:30", "2026-11-01 07:00"),
            (Runs{"2026-11-01 05:45", "2026-11-01 06:00", "2026-11-01 06:15", "2026-11-01 06:30",
                  "2026-11-01 06:45", "2026-11-01 07:00"}));
}

TEST(CronScheduleNewYork, EveryHourJobSkipsTheGapAndRepeatsTheRepeatedHour) {
  // 01:30 EST, then 03:30 EDT: one real hour, 02:30 never happened.
  EXPECT_EQ(runs("30 * * * *", "America/New_York", "2026-03-08 06:00", "2026-03-08 08:00"),
            (Runs{"2026-03-08 06:30", "2026-03-08 07:30"}));
  EXPECT_EQ(runs("30 * * * *", "America/New_York", "2026-11-01 05:00", "2026-11-01 08:00"),
            (Runs{"2026-11-01 05:30", "2026-11-01 06:30", "2026-11-01 07:30"}));
}

TEST(CronScheduleKolkata, HalfHourOffsetAndLocalDates) {
  // Asia/Kolkata is UTC+05:30 all year.
  EXPECT_EQ(next("0 9 * * *", "Asia/Kolkata", "2026-01-01 00:00"), "2026-01-01 03:30");
  // February 1 begins at 18:30 UTC on January 31.
  EXPECT_EQ(next("0 0 1 * *", "Asia/Kolkata", "2026-01-31 12:00"), "2026-01-31 18:30");
  EXPECT_EQ(next("0 0 * * MON", "Asia/Kolkata", "2026-01-04 12:00"), "2026-01-04 18:30");
}

// Australia/Lord_Howe shifts by 30 minutes: +11 to +10:30 at 2026-04-04 15:00 UTC (local 02:00
// -> 01:30), back to +11 at 2026-10-03 15:30 UTC (local 02:00 -> 02:30).

TEST(CronScheduleLordHowe, DailyJobInTheHalfHourGapRunsOnceAtItsEnd) {
  EXPECT_EQ(runs("15 2 * * *", "Australia/Lord_Howe", "2026-10-02 00:00", "2026-10-05 00:00"),
            (Runs{"2026-10-02 15:45",     // 02:15 +10:30
                  "2026-10-03 15:30",     // 02:15 does not exist: 02:30 +11
                  "2026-10-04 15:15"}));  // 02:15 +11
}

TEST(CronScheduleLordHowe, DailyJobInTheRepeatedHalfHourRunsOnceAtTheFirst) {
  EXPECT_EQ(runs("45 1 * * *", "Australia/Lord_Howe", "2026-04-03 00:00", "2026-04-06 00:00"),
            (Runs{"2026-04-03 14:45",     // 01:45 +11
                  "2026-04-04 14:45",     // first 01:45 (+11); not again at 15:15 UTC
                  "2026-04-05 15:15"}));  // 01:45 +10:30
}

TEST(CronScheduleLordHowe, EveryQuarterHourKeepsRealTime) {
  EXPECT_EQ(runs("*/15 * * * *", "Australia/Lord_Howe", "2026-04-04 14:15", "2026-04-04 15:30"),
            (Runs{"2026-04-04 14:30", "2026-04-04 14:45", "2026-04-04 15:00", "2026-04-04 15:15",
                  "2026-04-04 15:30"}));
  EXPECT_EQ(runs("*/15 * * * *", "Australia/Lord_Howe", "2026-10-03 15:00", "2026-10-03 16:00"),
            (Runs{"2026-10-03 15:15", "2026-10-03 15:30", "2026-10-03 15:45", "2026-10-03 16:00"}));
}

TEST(CronScheduleDst, DailyJobsRunOnEveryLocalDayExactlyOnce) {
  // Over two years, with both transitions each year, each job at a time of the night runs on each
  // local day once: no day skipped, none doubled.
  for (const char* name : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"}) {
    const date::time_zone* time_zone = zone(name);
    for (const char* expression : {"0 1 * * *", "30 1 * * *", "0 2 * * *", "15 2 * * *",
                                   "30 2 * * *", "59 2 * * *", "0 3 * * *"}) {
      const Runs all = runs(expression, name, "2026-01-01 00:00", "2027-12-31 00:00");
      ASSERT_GE(all.size(), 728u) << name << " " << expression;
      for (size_t i = 1; i < all.size(); ++i) {
        const auto day = date::floor<date::days>(time_zone->to_local(utc(all[i])));
        const auto previous = date::floor<date::days>(time_zone->to_local(utc(all[i - 1])));
        EXPECT_EQ((day - previous).count(), 1) << name << " " << expression << " at " << all[i];
      }
    }
  }
}

}  // namespace
}  // namespace mdbop
