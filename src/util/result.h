// Result<T>: the value or an Error for every recoverable failure.
#pragma once

#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace mdbop {

// What kind of failure an Error is, for callers that act on it (a reconciler ends when its
// object is not found). Messages are for people; decisions are made on the code.
enum class ErrorCode {
  kUnknown,      // anything not listed below
  kNotFound,     // the object (or thing) asked for does not exist
  kConflict,     // the request collides with the current state
  kInvalid,      // the request itself is wrong (a field, a name)
  kUnavailable,  // could not be served now (a lock, a peer); may work when retried
  kCorrupt,      // the data read is damaged or not what it claims to be; retrying cannot help
};

struct Error {
  std::string message;
  // For API errors: the path of the offending field, e.g. "spec.galera.recovery.minClusterSize".
  std::string field;
  ErrorCode code = ErrorCode::kUnknown;

  // "field: message" when a field is known, else the message.
  std::string what() const { return field.empty() ? message : field + ": " + message; }
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message) {
  return tl::unexpected<Error>(Error{std::move(message), {}});
}

inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{std::move(message), {}, code});
}

// An invalid field: code kInvalid.
inline tl::unexpected<Error> fail_field(std::string field, std::string message) {
  return tl::unexpected<Error>(Error{std::move(message), std::move(field), ErrorCode::kInvalid});
}

inline bool is_not_found(const Error& error) { return error.code == ErrorCode::kNotFound; }

}  // namespace mdbop
