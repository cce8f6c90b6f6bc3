// Helpers for tests that validate manifests: decode one YAML document, expect it accepted (and
// get the defaulted object) or refused (and get the issues), and find the issue about a field.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/manifest.h"

namespace mdbop {

inline json parse_one(const std::string& yaml) {
  auto docs = decode_yaml_documents(yaml);
  EXPECT_TRUE(docs) << docs.error().what();
  EXPECT_EQ(docs->size(), 1u);
  return docs->at(0);
}

// The validated, defaulted object; null (after failing the test) when refused.
inline json valid(const std::string& yaml) {
  auto result = validate_and_default(parse_one(yaml));
  if (!result) {
    for (const auto& issue : result.error()) ADD_FAILURE() << issue.field << ": " << issue.message;
    return nullptr;
  }
  return *result;
}

// Every issue found; fails the test when the manifest is accepted.
inline std::vector<ValidationIssue> issues(const std::string& yaml) {
  auto result = validate_and_default(parse_one(yaml));
  EXPECT_FALSE(result) << "expected the manifest to be refused";
  return result ? std::vector<ValidationIssue>{} : result.error();
}

// The message of the only issue about `field`; fails the test unless there is exactly one.
inline std::string issue_at(const std::vector<ValidationIssue>& found, const std::string& field) {
  std::vector<std::string> matches;
  std::string all;
  for (const auto& i : found) {
    if (i.field == field) matches.push_back(i.message);
    all += "\n  " + i.field + ": " + i.message;
  }
  EXPECT_EQ(matches.size(), 1u) << "issues about " << field << " among:" << all;
  return matches.empty() ? "" : matches[0];
}

inline ::testing::AssertionResult HasText(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// A manifest refused with an issue about `field` whose message contains `text`.
struct Refusal {
  std::string manifest;
  std::string field;
  std::string text;
};

inline void expect_refusals(const std::vector<Refusal>& cases) {
  for (const Refusal& c : cases) {
    SCOPED_TRACE(c.manifest);
    EXPECT_TRUE(HasText(issue_at(issues(c.manifest), c.field), c.text));
  }
}

}  // namespace mdbop
