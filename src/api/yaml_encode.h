// JSON as block YAML: what `mdbop get -o yaml` prints and what deploy/crds/ holds. Strings that
// a YAML 1.1 or 1.2 reader (kubectl's included) would take for something else are quoted, so
// that the text reads back as the same JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mdbop {

std::string encode_yaml(const nlohmann::json& value);

}  // namespace mdbop
