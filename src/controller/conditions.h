// Kubernetes-style status conditions, shared by every kind's reconciler.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mdbop {

// Sets condition `type` in status.conditions; lastTransitionTime changes only when the status
// flips. `generation` is the object's metadata.generation the condition was observed at.
void set_condition(nlohmann::json& status, const std::string& type, bool value,
                   const std::string& reason, const std::string& message, long long generation);

// Removes condition `type` from status.conditions, if it is there.
void remove_condition(nlohmann::json& status, const std::string& type);

// Whether the object's status has condition `type` with status True.
bool condition_is_true(const nlohmann::json& object, const std::string& type);

// The reason of the object's condition `type`; empty when it has none.
std::string condition_reason(const nlohmann::json& object, const std::string& type);

}  // namespace mdbop
