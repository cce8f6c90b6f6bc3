// Base64 as Kubernetes uses it for Secret data: Go's base64.StdEncoding (standard alphabet,
// padded).
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace mdbop {

std::string base64_encode(const std::string& bytes);
// Decodes as Go's StdEncoding.DecodeString does, so that mdbop accepts exactly what the
// Kubernetes API server accepts: '\r' and '\n' are skipped anywhere; otherwise only the
// alphabet, in groups of 4, the last of which may end in "=" or "=="; nothing after the
// padding. Nonzero bits left over before the padding are accepted (Go is not Strict by
// default). Fails with "not valid base64" and never echoes the text (it may be a secret).
Result<std::string> base64_decode(std::string_view text);

}  // namespace mdbop
