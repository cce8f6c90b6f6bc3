// The kinds the operator reconciles, each with the factory of its reconciler: the one place a
// kind is added to the operator. The operator watches exactly these kinds; any other kind gets
// no reconciler.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/node_agent.h"
#include "controller/reconciler.h"
#include "store/store.h"

namespace mdbop {

// What every reconciler is built from. REQUIRES: the referenced objects outlive the reconcilers.
struct ReconcilerContext {
  Store& store;
  NodeAgent& agent;
  std::filesystem::path home;  // $MDBOP_HOME
};

using ReconcilerFactory =
    std::function<std::unique_ptr<Reconciler>(const ReconcilerContext& context, ObjectKey key)>;

struct ReconciledKind {
  std::string kind;  // canonical, e.g. "MariaDB"
  ReconcilerFactory make;
};

// In the order the operator starts their workers: MariaDB first.
const std::vector<ReconciledKind>& reconciled_kinds();

// The reconciler of the object `key` names; nullptr when its kind is not reconciled.
std::unique_ptr<Reconciler> make_reconciler(const ReconcilerContext& context, const ObjectKey& key);

}  // namespace mdbop
