#include "schedule/cron_expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <climits>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace mdbop {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

struct Field {
  const char* name;
  int min;
  int max;
  // Names for the values from `min` on, if the field has them; `names_kind` says which.
  std::span<const std::string_view> names = {};
  const char* names_kind = nullptr;
};

// Day-of-week goes up to 7 so that ranges like FRI-7 work; 7 is folded into Sunday afterwards.
const std::array<Field, 5> kFields = {{
    {"minute", 0, 59},
    {"hour", 0, 23},
    {"day-of-month", 1, 31},
    {"month", 1, 12, kMonthNames, "month name (JAN-DEC)"},
    {"day-of-week", 0, 7, kWeekdayNames, "weekday name (SUN-SAT)"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kMacros = {{
    {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
    {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},
    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
}};

using Bits = std::bitset<64>;

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

std::string range_text(const Field& field) {
  return std::to_string(field.min) + "-" + std::to_string(field.max);
}

// Digits too many for an int read as INT_MAX: out of range like any other large number.
int to_int(std::string_view digits) {
  int value = 0;
  if (std::from_chars(digits.data(), digits.data() + digits.size(), value).ec != std::errc()) {
    return INT_MAX;
  }
  return value;
}

// One value: a number in the field's range, or a name where the field has them.
Result<int> parse_value(std::string_view token, const Field& field) {
  if (all_digits(token)) {
    const int value = to_int(token);
    if (value < field.min || value > field.max) {
      return fail(std::string(token) + " is out of range " + range_text(field));
    }
    return value;
  }
  for (size_t i = 0; i < field.names.size(); ++i) {
    if (equals_ignoring_case(field.names[i], token)) return field.min + static_cast<int>(i);
  }
  std::string message = quoted(token) + " is not a number";
  if (field.names_kind != nullptr) message += std::string(" or ") + field.names_kind;
  return fail(message);
}

// One list element: `*`, `a`, `a-b`, each optionally followed by `/step`.
Result<Bits> parse_element(std::string_view element, const Field& field) {
  const size_t slash = element.find('/');
  const std::string_view range = element.substr(0, slash);
  int step = 1;
  if (slash != std::string_view::npos) {
    const std::string_view step_text = element.substr(slash + 1);
    if (step_text.empty()) return fail("missing step after \"/\" in " + quoted(element));
    if (!all_digits(step_text)) return fail("step " + quoted(step_text) + " is not a number");
    step = to_int(step_text);
    if (step < 1 || step > field.max) {
      return fail("step " + std::string(step_text) + " is out of range 1-" +
                  std::to_string(field.max));
    }
  }

  int low = field.min;
  int high = field.max;
  if (const size_t dash = range.find('-'); dash != std::string_view::npos) {
    const std::string_view low_text = range.substr(0, dash);
    const std::string_view high_text = range.substr(dash + 1);
    if (low_text.empty() || high_text.empty()) return fail("incomplete range " + quoted(range));
    auto first = parse_value(low_text, field);
    if (!first) return tl::unexpected(first.error());
    auto last = parse_value(high_text, field);
    if (!last) return tl::unexpected(last.error());
    low = *first;
    high = *last;
    if (low > high) {
      // Some crons wrap such ranges around; saying so beats guessing.
      return fail("range " + std::string(range) + " runs backwards; split it, e.g. " +
                  std::string(low_text) + "-" + std::to_string(field.max) + "," +
                  std::to_string(field.min) + "-" + std::string(high_text));
    }
  } else if (range != "*") {
    auto value = parse_value(range, field);
    if (!value) return tl::unexpected(value.error());
    low = *value;
    // "a/n" runs from a to the field's maximum; a lone "a" is just a.
    high = slash == std::string_view::npos ? low : field.max;
  }

  Bits bits;
  for (int value = low; value <= high; value += step) bits.set(value);
  return bits;
}

Result<Bits> parse_field(std::string_view text, const Field& field) {
  Bits bits;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view element = text.substr(start, comma - start);
    if (element.empty()) return fail("empty element in list " + quoted(text));
    auto element_bits = parse_element(element, field);
    if (!element_bits) return element_bits;
    bits |= *element_bits;
    if (comma == std::string_view::npos) return bits;
    start = comma + 1;
  }
}

std::vector<std::string_view> split_blanks(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    words.push_back(text.substr(start, i - start));
  }
  return words;
}

Result<CronExpression> parse_fields(const std::vector<std::string_view>& words) {
  if (words.size() != kFields.size()) {
    return fail("expected 5 fields (minute hour day-of-month month day-of-week), got " +
                std::to_string(words.size()));
  }
  std::array<Bits, 5> bits;
  for (size_t i = 0; i < kFields.size(); ++i) {
    auto field_bits = parse_field(words[i], kFields[i]);
    if (!field_bits) {
      return fail("field " + std::to_string(i + 1) + " (" + kFields[i].name +
                  "): " + field_bits.error().message);
    }
    bits[i] = *field_bits;
  }
  if (bits[4].test(7)) bits[4].set(0);

  // A bitset<N> built from an integer keeps its low N bits.
  CronExpression expression;
  expression.minutes = std::bitset<60>(bits[0].to_ullong());
  expression.hours = std::bitset<24>(bits[1].to_ullong());
  expression.days_of_month = std::bitset<32>(bits[2].to_ullong());
  expression.months = std::bitset<13>(bits[3].to_ullong());
  expression.days_of_week = std::bitset<7>(bits[4].to_ullong());
  expression.day_of_month_star = words[2].front() == '*';
  expression.day_of_week_star = words[4].front() == '*';
  return expression;
}

Result<CronExpression> parse_macro(std::string_view word) {
  for (const auto& [name, fields] : kMacros) {
    if (equals_ignoring_case(name, word)) return parse_fields(split_blanks(fields));
  }
  return fail("unknown macro " + quoted(word) +
              "; expected one of @yearly @annually @monthly @weekly @daily @midnight @hourly");
}

}  // namespace

Result<CronExpression> parse_cron(const std::string& text) {
  const std::vector<std::string_view> words = split_blanks(text);
  const bool macro = !words.empty() && words.front().front() == '@';
  if (macro && words.size() > 1) {
    return fail(std::string(words.front()) + " stands alone, without other fields");
  }
  auto expression = macro ? parse_macro(words.front()) : parse_fields(words);
  if (expression) expression->text = text;
  return expression;
}

}  // namespace mdbop
