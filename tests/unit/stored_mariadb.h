// A MariaDB as a store hands it to the operator: validated, defaulted, with a namespace and a
// uid. For the tests of what it becomes on Kubernetes.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "api/manifest.h"

namespace mdbop {

inline nlohmann::json stored_mariadb(const std::string& spec_yaml,
                                     const std::string& name = "galera") {
  auto docs = decode_yaml_documents(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata: {name: " + name +
      ", namespace: db}\nspec:\n" + spec_yaml);
  EXPECT_TRUE(docs) << docs.error().what();
  if (!docs) return {};
  auto object = validate_and_default(docs->at(0));
  if (!object) {
    for (const auto& issue : object.error()) ADD_FAILURE() << issue.field << ": " << issue.message;
    return {};
  }
  (*object)["metadata"]["uid"] = "5b0c3a52-1f0e-4c8e-9a51-0d1c2b3a4f56";
  return *object;
}

}  // namespace mdbop
