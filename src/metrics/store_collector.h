// StoreCollector: the metrics computed from the store's objects, read afresh at each scrape
// (nothing is kept or updated between scrapes): backups, restores, clusters and the number of
// objects of each kind.
#pragma once

#include <string>
#include <vector>

#include <prometheus/collectable.h>

#include "store/store.h"

namespace mdbop {

class StoreCollector : public prometheus::Collectable {
 public:
  // `kinds`: the kinds counted in mdbop_objects (the operator's reconciled kinds).
  // REQUIRES: `store` outlives the last Collect().
  StoreCollector(const Store& store, std::vector<std::string> kinds);

  // Called on the HTTP server's thread, concurrently with the operator's workers.
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  const Store& store_;
  std::vector<std::string> kinds_;
};

}  // namespace mdbop
