// Base64 as Kubernetes uses it for Secret data (standard alphabet, padded).
#pragma once

#include <string>

#include "util/result.h"

namespace mdbop {

std::string base64_encode(const std::string& bytes);
// Fails on characters outside the alphabet or bad padding; whitespace is not allowed.
Result<std::string> base64_decode(const std::string& text);

}  // namespace mdbop
