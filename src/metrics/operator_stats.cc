#include "metrics/operator_stats.h"

#include <prometheus/gauge.h>

#include "metrics/process_stats.h"

namespace mdbop {

OperatorStats::OperatorStats(const std::vector<std::string>& kinds, const std::string& version)
    : start_time_seconds_(process_start_time_seconds()) {
  prometheus::BuildGauge()
      .Name("mdbop_build_info")
      .Help("The running operator's version; always 1")
      .Register(registry_)
      .Add({{"version", version}})
      .Set(1);
  auto& passes = prometheus::BuildCounter()
                     .Name("mdbop_reconcile_total")
                     .Help("Reconcile passes, per kind of object")
                     .Register(registry_);
  auto& errors = prometheus::BuildCounter()
                     .Name("mdbop_reconcile_errors_total")
                     .Help("Reconcile passes that ended in an exception, per kind of object")
                     .Register(registry_);
  auto& durations = prometheus::BuildHistogram()
                        .Name("mdbop_reconcile_duration_seconds")
                        .Help("Time a reconcile pass took, per kind of object")
                        .Register(registry_);
  // A pass of a healthy cluster takes milliseconds; one that takes a backup, minutes.
  const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  for (const std::string& kind : kinds) {
    kinds_.emplace(kind, KindSeries{&passes.Add({{"kind", kind}}), &errors.Add({{"kind", kind}}),
                                    &durations.Add({{"kind", kind}}, buckets)});
  }
}

void OperatorStats::record_pass(const std::string& kind, std::chrono::duration<double> took,
                                bool failed) {
  auto series = kinds_.find(kind);
  if (series == kinds_.end()) return;  // only reconciled kinds have passes
  series->second.passes->Increment();
  if (failed) series->second.errors->Increment();
  series->second.duration->Observe(took.count());
}

std::vector<prometheus::MetricFamily> OperatorStats::Collect() const {
  std::vector<prometheus::MetricFamily> families = registry_.Collect();
  for (auto& family : process_metrics(start_time_seconds_)) families.push_back(std::move(family));
  return families;
}

}  // namespace mdbop
