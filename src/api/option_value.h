// Whether a value from a manifest can be written into a node's option file (my.cnf) without
// breaking out of its place: a line break would start a new option, a quote would end the
// value, ';' a new provider option, '#' a comment. Pure functions, for validation at apply and
// for the renderer to check a value it reads at run time (a Secret applied on its own).
// Messages never repeat the value: it may be a password.
#pragma once

#include <string_view>

#include "util/result.h"

namespace mdbop {

// A key of wsrep_provider_options: lowercase letters, digits, '_' and '.' ("gcache.size").
Result<void> check_provider_option_key(std::string_view key);

// A value of wsrep_provider_options, written inside wsrep_provider_options="k=v;k=v": no
// control character, no '"', '\', ';' or '#'.
Result<void> check_provider_option_value(std::string_view value);

// A value written inside double quotes with '"' and '\' escaped (wsrep_sst_auth="root:..."):
// no line break and no NUL, which no escape of the option file format can carry.
Result<void> check_quoted_option_value(std::string_view value);

}  // namespace mdbop
