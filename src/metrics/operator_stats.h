// OperatorStats: what the operator process knows of itself, kept in memory for its life and
// served on /metrics: reconcile passes, their errors and durations per kind, build info and
// the process's CPU, memory and start time.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace mdbop {

class OperatorStats : public prometheus::Collectable {
 public:
  // `kinds`: the kinds the operator reconciles, each with its series at 0 from the start.
  OperatorStats(const std::vector<std::string>& kinds, const std::string& version);

  // A reconcile pass of an object of `kind` took `took`; `failed`: it threw. Thread-safe.
  void record_pass(const std::string& kind, std::chrono::duration<double> took, bool failed);

  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct KindSeries {
    prometheus::Counter* passes;
    prometheus::Counter* errors;
    prometheus::Histogram* duration;
  };

  prometheus::Registry registry_;
  std::map<std::string, KindSeries> kinds_;  // filled by the constructor, read-only after
  double start_time_seconds_;
};

}  // namespace mdbop
