// Whether a value may go into an HTTP request header as it is (an S3 region, a storage class):
// checked when a Backup is applied (api/) and again where the request is made (storage/), so that
// a stored object edited by hand cannot smuggle a header in either.
#pragma once

#include <string_view>

namespace mdbop {

// Only letters, digits, '-' and '_' (the empty text too: whether a value is required is the
// caller's to say).
bool is_header_safe_name(std::string_view text);

}  // namespace mdbop
