// Result<T>: the value or an Error for every recoverable failure.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace mdbop {

struct Error {
  std::string message;
  // For API errors: the path of the offending field, e.g. "spec.galera.recovery.minClusterSize".
  std::string field;

  // "field: message" when a field is known, else the message.
  std::string what() const { return field.empty() ? message : field + ": " + message; }
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message), {}});
}

inline tl::unexpected<Error> fail_field(std::string field, std::string message) {
  return tl::unexpected<Error>(Error{std::move(message), std::move(field)});
}

}  // namespace mdbop
