#include "api/quantity.h"

#include <cmath>
#include <utility>

namespace mdbop {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::optional<long double> suffix_multiplier(std::string_view suffix) {
  static const std::pair<std::string_view, long double> kSuffixes[] = {
      {"", 1},         {"n", 1e-9L},    {"u", 1e-6L},    {"m", 1e-3L},
      {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},     {"T", 1e12L},
      {"P", 1e15L},    {"E", 1e18L},    {"Ki", 0x1p10L}, {"Mi", 0x1p20L},
      {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L},
  };
  for (const auto& [name, multiplier] : kSuffixes) {
    if (suffix == name) return multiplier;
  }
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    std::string_view exponent = suffix.substr(1);
    bool negative = false;
    if (exponent.front() == '+' || exponent.front() == '-') {
      negative = exponent.front() == '-';
      exponent.remove_prefix(1);
    }
    if (exponent.empty() || exponent.size() > 4) return std::nullopt;
    int value = 0;
    for (char c : exponent) {
      if (!is_digit(c)) return std::nullopt;
      value = value * 10 + (c - '0');
    }
    return std::pow(10.0L, negative ? -value : value);
  }
  return std::nullopt;
}

}  // namespace

std::optional<long double> parse_quantity(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  long double number = 0;
  bool any_digit = false;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    number = number * 10 + (text[i] - '0');
    any_digit = true;
  }
  if (i < text.size() && text[i] == '.') {
    long double scale = 0.1L;
    for (++i; i < text.size() && is_digit(text[i]); ++i) {
      number += (text[i] - '0') * scale;
      scale /= 10;
      any_digit = true;
    }
  }
  if (!any_digit) return std::nullopt;
  const std::optional<long double> multiplier = suffix_multiplier(text.substr(i));
  if (!multiplier) return std::nullopt;
  return (negative ? -number : number) * *multiplier;
}

}  // namespace mdbop
