// JSON as text that never throws: a string that is not UTF-8 (a message quoting a program's
// stderr, a server's error) has its bad bytes replaced by U+FFFD instead of failing the write.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mdbop {

// `indent` as nlohmann's dump: -1 compact, n spaces per level otherwise.
std::string json_text(const nlohmann::json& value, int indent = -1);

// object[key] when `object` is an object and that member a string; empty otherwise.
std::string text_at(const nlohmann::json& object, const char* key);

// object[key] when `object` is an object and that member an object; an empty object otherwise.
nlohmann::json object_at(const nlohmann::json& object, const char* key);

}  // namespace mdbop
