// Fields the local runtime cannot honour (image, resources, affinity...): kept in the object
// and reported once each, for every kind.
#pragma once

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace mdbop {

// Records a FieldIgnored warning event for each such field of `object` not reported before
// (status.warnedFields remembers them). Returns the object as stored afterwards.
nlohmann::json warn_unsupported_fields_once(Store& store, const ObjectKey& key,
                                            const nlohmann::json& object);

}  // namespace mdbop
