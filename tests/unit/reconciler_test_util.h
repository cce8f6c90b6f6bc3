// Helpers for unit tests of the reconcilers: manifests applied to a store as `mdbop apply`
// would (validated and defaulted), and what tests read back (events, positions in a log).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "controller/conditions.h"
#include "controller/mariadb/reconciler.h"
#include "manifest_test_util.h"
#include "store/store.h"

namespace mdbop {

// The Secret holding root's password of the MariaDB "g" the reconciler tests use.
inline const char* kRootSecretYaml = R"(apiVersion: v1
kind: Secret
metadata: {name: g-root, namespace: default}
stringData: {password: "Root-Pass-1"}
)";

// Validates and defaults one YAML document and applies it; the stored object.
inline json apply_yaml(Store& store, const std::string& yaml) {
  const json manifest = valid(yaml);
  if (manifest.is_null()) return nullptr;
  auto applied = store.apply(manifest);
  EXPECT_TRUE(applied) << (applied ? "" : applied.error().what());
  return applied ? applied->object : json(nullptr);
}

// Reasons of the object's events, oldest first (a repeated event counts once).
inline std::vector<std::string> event_reasons(const Store& store, const ObjectKey& key) {
  std::vector<std::string> reasons;
  for (const json& e : store.events(key.namespace_, key.kind, key.name)) {
    reasons.push_back(e.value("reason", ""));
  }
  return reasons;
}

// The messages of the object's events with `reason`.
inline std::vector<std::string> event_messages(const Store& store, const ObjectKey& key,
                                               const std::string& reason) {
  std::vector<std::string> messages;
  for (const json& e : store.events(key.namespace_, key.kind, key.name)) {
    if (e.value("reason", "") == reason) messages.push_back(e.value("message", ""));
  }
  return messages;
}

// A Ready 3-node Galera MariaDB "g" in namespace default, made by its own reconciler (which
// `reconciler` is, over `store`), with root's password from kRootSecretYaml.
inline void make_ready_cluster(Store& store, MariaDBReconciler& reconciler) {
  apply_yaml(store, kRootSecretYaml);
  apply_yaml(store, R"(apiVersion: k8s.mariadb.com/v1alpha1
kind: MariaDB
metadata: {name: g, namespace: default}
spec:
  rootPasswordSecretKeyRef: {name: g-root, key: password}
  replicas: 3
  galera: {enabled: true}
)");
  const ObjectKey key{"MariaDB", "default", "g"};
  for (int i = 0; i < 8 && !condition_is_true(*store.get(key), "Ready"); ++i) {
    reconciler.reconcile();
  }
  ASSERT_TRUE(condition_is_true(*store.get(key), "Ready"));
}

// The condition of `type` in `status`; an empty object when there is none.
inline json condition(const json& status, const std::string& type) {
  for (const json& c : status.value("conditions", json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return json::object();
}

inline bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

// Position of `item` in `items`; items.size() when absent.
inline size_t position_of(const std::vector<std::string>& items, const std::string& item) {
  return static_cast<size_t>(std::find(items.begin(), items.end(), item) - items.begin());
}

// Position of the first item that starts with `prefix`; items.size() when none does.
inline size_t position_starting(const std::vector<std::string>& items, const std::string& prefix) {
  return static_cast<size_t>(
      std::find_if(items.begin(), items.end(),
                   [&](const std::string& item) { return item.rfind(prefix, 0) == 0; }) -
      items.begin());
}

}  // namespace mdbop
