// Building Prometheus metric families from the store's objects: one family per metric name,
// one sample per label set, and the instants status holds as Unix seconds.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <prometheus/metric_family.h>
#include <nlohmann/json.hpp>

namespace mdbop {

using SampleLabels = std::vector<std::pair<std::string, std::string>>;

prometheus::MetricFamily gauge_family(std::string name, std::string help);
prometheus::MetricFamily counter_family(std::string name, std::string help);

// Adds one sample, as the family's type (gauge or counter) holds it.
void add_sample(prometheus::MetricFamily& family, const SampleLabels& labels, double value);

// The object's status; an empty object when it has none (yet).
nlohmann::json status_of(const nlohmann::json& object);

// `field` of `object` (an RFC 3339 instant, as status keeps them) as Unix seconds; 0 when it
// is absent or not an instant.
double unix_seconds(const nlohmann::json& object, const char* field);

// `field` of `object` when it is a number; 0 otherwise.
double number_or_zero(const nlohmann::json& object, const char* field);

}  // namespace mdbop
