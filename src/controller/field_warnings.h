// Warnings said once per object: fields the runtime cannot honour (on this machine image,
// resources, affinity...; on pods sidecars, env...), kept in the object and reported once
// each, for every kind; and fields mdbop
// honours differently from how they are written (a Backup's --compress).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace mdbop {

// Records a Warning event (`reason`, `message`) about `field` of `object`, unless one was
// recorded before (status.warnedFields remembers the fields). Returns the object as stored
// afterwards.
nlohmann::json warn_about_field_once(Store& store, const ObjectKey& key,
                                     const nlohmann::json& object, const std::string& field,
                                     const std::string& reason, const std::string& message);

// A FieldIgnored warning for each field that is not honoured where the nodes run (see
// fields_unsupported_locally and fields_not_honoured_on_pods), once.
nlohmann::json warn_unsupported_fields_once(Store& store, const ObjectKey& key,
                                            const nlohmann::json& object, bool nodes_are_pods);

}  // namespace mdbop
