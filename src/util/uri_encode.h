// RFC 3986 percent-encoding as S3 (SigV4) and the Kubernetes API want it: every byte but
// A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex); '/' is kept when keep_slash (S3 object key
// paths) and encoded otherwise (path segments, query names and values).
#pragma once

#include <string>
#include <string_view>

namespace mdbop {

std::string uri_encode(std::string_view text, bool keep_slash);

}  // namespace mdbop
