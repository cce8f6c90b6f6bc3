#include "schedule/cron_expression.h"

#include <gtest/gtest.h>

#include <initializer_list>

namespace mdbop {
namespace {

template <size_t N>
std::bitset<N> bits(std::initializer_list<int> values) {
  std::bitset<N> result;
  for (int value : values) result.set(value);
  return result;
}

CronExpression parsed(const std::string& text) {
  auto expression = parse_cron(text);
  EXPECT_TRUE(expression) << text << ": " << expression.error().what();
  return expression.value_or(CronExpression{});
}

TEST(CronParse, StarsMatchEverything) {
  const CronExpression all = parsed("* * * * *");
  EXPECT_TRUE(all.minutes.all());
  EXPECT_TRUE(all.hours.all());
  EXPECT_EQ(all.days_of_month, std::bitset<32>(0xfffffffe)) << "days 1-31";
  EXPECT_EQ(all.months, std::bitset<13>(0x1ffe)) << "months 1-12";
  EXPECT_TRUE(all.days_of_week.all());
  EXPECT_TRUE(all.day_of_month_star);
  EXPECT_TRUE(all.day_of_week_star);
}

TEST(CronParse, ValuesListsAndRanges) {
  const CronExpression expression = parsed("0,15,30,45 9-17 1,15-16 6 1-5");
  EXPECT_EQ(expression.minutes, bits<60>({0, 15, 30, 45}));
  EXPECT_EQ(expression.hours, bits<24>({9, 10, 11, 12, 13, 14, 15, 16, 17}));
  EXPECT_EQ(expression.days_of_month, bits<32>({1, 15, 16}));
  EXPECT_EQ(expression.months, bits<13>({6}));
  EXPECT_EQ(expression.days_of_week, bits<7>({1, 2, 3, 4, 5}));
  EXPECT_FALSE(expression.day_of_month_star);
  EXPECT_FALSE(expression.day_of_week_star);
}

TEST(CronParse, Steps) {
  const CronExpression expression = parsed("*/15 10-22/4 */10 5/3 */2");
  EXPECT_EQ(expression.minutes, bits<60>({0, 15, 30, 45}));
  EXPECT_EQ(expression.hours, bits<24>({10, 14, 18, 22}));
  EXPECT_EQ(expression.days_of_month, bits<32>({1, 11, 21, 31}));
  EXPECT_EQ(expression.months, bits<13>({5, 8, 11})) << "a/n runs from a to the maximum";
  EXPECT_EQ(expression.days_of_week, bits<7>({0, 2, 4, 6}));
  EXPECT_EQ(parsed("7/20 * * * *").minutes, bits<60>({7, 27, 47}));
  EXPECT_EQ(parsed("0-59/1 * * * *").minutes.count(), 60u);
  EXPECT_EQ(parsed("*/59 * * * *").minutes, bits<60>({0, 59}));
}

TEST(CronParse, StepsAndListsCombine) {
  EXPECT_EQ(parsed("1-5/2,40,50-59/5 * * * *").minutes, bits<60>({1, 3, 5, 40, 50, 55}));
}

TEST(CronParse, MonthAndWeekdayNamesInAnyCase) {
  const CronExpression expression = parsed("0 0 * jan,Jun,DEC-DEC mon-FRI");
  EXPECT_EQ(expression.months, bits<13>({1, 6, 12}));
  EXPECT_EQ(expression.days_of_week, bits<7>({1, 2, 3, 4, 5}));
  EXPECT_EQ(parsed("0 0 * JAN-MAR/2 SUN,sat").months, bits<13>({1, 3}));
  EXPECT_EQ(parsed("0 0 * * SUN,sat").days_of_week, bits<7>({0, 6}));
  EXPECT_EQ(parsed("0 0 * * MON/2").days_of_week, bits<7>({0, 1, 3, 5})) << "1,3,5,7";
}

TEST(CronParse, DayOfWeekSevenIsSunday) {
  EXPECT_EQ(parsed("0 0 * * 7").days_of_week, bits<7>({0}));
  EXPECT_EQ(parsed("0 0 * * 5-7").days_of_week, bits<7>({0, 5, 6}));
  EXPECT_EQ(parsed("0 0 * * FRI-7").days_of_week, bits<7>({0, 5, 6}));
  EXPECT_EQ(parsed("0 0 * * 0,7").days_of_week, bits<7>({0}));
}

TEST(CronParse, DayFieldsStartingWithStarCountAsUnrestricted) {
  // Vixie cron looks at the first character only: "*/2" is a star, "1-31" is not.
  EXPECT_TRUE(parsed("0 0 */2 * 1").day_of_month_star);
  EXPECT_FALSE(parsed("0 0 */2 * 1").day_of_week_star);
  EXPECT_FALSE(parsed("0 0 1-31 * *").day_of_month_star);
  EXPECT_TRUE(parsed("0 0 1 * */2").day_of_week_star);
}

TEST(CronParse, Macros) {
  struct Case {
    const char* macro;
    const char* fields;
  };
  for (const Case& c :
       {Case{"@yearly", "0 0 1 1 *"}, Case{"@annually", "0 0 1 1 *"}, Case{"@monthly", "0 0 1 * *"},
        Case{"@weekly", "0 0 * * 0"}, Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
        Case{"@hourly", "0 * * * *"}, Case{" @Daily\t", "0 0 * * *"}}) {
    const CronExpression macro = parsed(c.macro);
    const CronExpression fields = parsed(c.fields);
    EXPECT_EQ(macro.text, c.macro);
    EXPECT_EQ(macro.minutes, fields.minutes) << c.macro;
    EXPECT_EQ(macro.hours, fields.hours) << c.macro;
    EXPECT_EQ(macro.days_of_month, fields.days_of_month) << c.macro;
    EXPECT_EQ(macro.months, fields.months) << c.macro;
    EXPECT_EQ(macro.days_of_week, fields.days_of_week) << c.macro;
    EXPECT_EQ(macro.day_of_month_star, fields.day_of_month_star) << c.macro;
    EXPECT_EQ(macro.day_of_week_star, fields.day_of_week_star) << c.macro;
  }
}

TEST(CronParse, KeepsTheTextAsWrittenAndAcceptsAnyBlanks) {
  const CronExpression expression = parsed("  30\t2 *  * *\n");
  EXPECT_EQ(expression.text, "  30\t2 *  * *\n");
  EXPECT_EQ(expression.minutes, bits<60>({30}));
  EXPECT_EQ(expression.hours, bits<24>({2}));
}

TEST(CronParse, AcceptsExpressionsThatNeverRun) {
  // Fields are checked one by one; next_run_after is what finds that Feb 30 never comes.
  EXPECT_EQ(parsed("0 0 30 2 *").days_of_month, bits<32>({30}));
}

struct BadCron {
  const char* name;
  const char* text;
  const char* error;  // The whole message.
};

void PrintTo(const BadCron& bad, std::ostream* out) { *out << bad.name; }

class CronParseRejects : public testing::TestWithParam<BadCron> {};

TEST_P(CronParseRejects, WithAnErrorNamingThePart) {
  auto expression = parse_cron(GetParam().text);
  ASSERT_FALSE(expression) << GetParam().text;
  EXPECT_EQ(expression.error().message, GetParam().error);
  EXPECT_EQ(expression.error().field, "") << "the caller adds the field path";
}

INSTANTIATE_TEST_SUITE_P(
    Cron, CronParseRejects,
    testing::Values(
        BadCron{"Empty", "",
                "expected 5 fields (minute hour day-of-month month day-of-week), got 0"},
        BadCron{"Blank", " \t",
                "expected 5 fields (minute hour day-of-month month day-of-week), got 0"},
        BadCron{"FourFields", "* * * *",
                "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
        BadCron{"SixFields", "0 * * * * *",
                "expected 5 fields (minute hour day-of-month month day-of-week), got 6"},
        BadCron{"MinuteTooLarge", "60 * * * *", "field 1 (minute): 60 is out of range 0-59"},
        BadCron{"HourTooLarge", "0 25 * * *", "field 2 (hour): 25 is out of range 0-23"},
        BadCron{"DayZero", "0 0 0 * *", "field 3 (day-of-month): 0 is out of range 1-31"},
        BadCron{"DayTooLarge", "0 0 32 * *", "field 3 (day-of-month): 32 is out of range 1-31"},
        BadCron{"MonthZero", "0 0 * 0 *", "field 4 (month): 0 is out of range 1-12"},
        BadCron{"MonthTooLarge", "0 0 * 13 *", "field 4 (month): 13 is out of range 1-12"},
        BadCron{"WeekdayTooLarge", "0 0 * * 8", "field 5 (day-of-week): 8 is out of range 0-7"},
        BadCron{"RangeEndTooLarge", "0 20-24 * * *", "field 2 (hour): 24 is out of range 0-23"},
        BadCron{"HugeNumber", "99999999999 * * * *",
                "field 1 (minute): 99999999999 is out of range 0-59"},
        BadCron{"NotANumber", "x * * * *", "field 1 (minute): \"x\" is not a number"},
        BadCron{"Fraction", "1.5 * * * *", "field 1 (minute): \"1.5\" is not a number"},
        BadCron{"Negative", "0 -1 * * *", "field 2 (hour): incomplete range \"-1\""},
        BadCron{"OpenRange", "5- * * * *", "field 1 (minute): incomplete range \"5-\""},
        BadCron{"StarInRange", "*-5 * * * *", "field 1 (minute): \"*\" is not a number"},
        BadCron{"NameInDayOfMonth", "0 0 JAN * *",
                "field 3 (day-of-month): \"JAN\" is not a number"},
        BadCron{"UnknownMonth", "0 0 * JANUARY *",
                "field 4 (month): \"JANUARY\" is not a number or month name (JAN-DEC)"},
        BadCron{"WeekdayAsMonth", "0 0 * MON *",
                "field 4 (month): \"MON\" is not a number or month name (JAN-DEC)"},
        BadCron{"UnknownWeekday", "0 0 * * FUNDAY",
                "field 5 (day-of-week): \"FUNDAY\" is not a number or weekday name (SUN-SAT)"},
        BadCron{"EmptyListElement", "1,,2 * * * *",
                "field 1 (minute): empty element in list \"1,,2\""},
        BadCron{"TrailingComma", "0 1, * * *", "field 2 (hour): empty element in list \"1,\""},
        BadCron{"MissingStep", "*/ * * * *",
                "field 1 (minute): missing step after \"/\" in \"*/\""},
        BadCron{"StepZero", "*/0 * * * *", "field 1 (minute): step 0 is out of range 1-59"},
        BadCron{"StepTooLarge", "0 */24 * * *", "field 2 (hour): step 24 is out of range 1-23"},
        BadCron{"StepNotANumber", "*/x * * * *", "field 1 (minute): step \"x\" is not a number"},
        BadCron{"TwoSteps", "*/2/3 * * * *", "field 1 (minute): step \"2/3\" is not a number"},
        BadCron{"BackwardsRange", "30-10 * * * *",
                "field 1 (minute): range 30-10 runs backwards; split it, e.g. 30-59,0-10"},
        BadCron{"BackwardsWeekdays", "0 0 * * FRI-MON",
                "field 5 (day-of-week): range FRI-MON runs backwards; split it, e.g. FRI-7,0-MON"},
        BadCron{"UnknownMacro", "@reboot",
                "unknown macro \"@reboot\"; expected one of @yearly @annually @monthly @weekly "
                "@daily @midnight @hourly"},
        BadCron{"MacroWithFields", "@daily 0", "@daily stands alone, without other fields"}),
    [](const testing::TestParamInfo<BadCron>& info) { return info.param.name; });

}  // namespace
}  // namespace mdbop
