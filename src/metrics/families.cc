#include "metrics/families.h"

#include "util/rfc3339.h"

namespace mdbop {

namespace {

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
  prometheus::MetricFamily made;
  made.name = std::move(name);
  made.help = std::move(help);
  made.type = type;
  return made;
}

}  // namespace

prometheus::MetricFamily gauge_family(std::string name, std::string help) {
  return family(std::move(name), std::move(help), prometheus::MetricType::Gauge);
}

prometheus::MetricFamily counter_family(std::string name, std::string help) {
  return family(std::move(name), std::move(help), prometheus::MetricType::Counter);
}

void add_sample(prometheus::MetricFamily& family, const SampleLabels& labels, double value) {
  prometheus::ClientMetric sample;
  for (const auto& [name, label_value] : labels) sample.label.push_back({name, label_value});
  if (family.type == prometheus::MetricType::Counter) {
    sample.counter.value = value;
  } else {
    sample.gauge.value = value;
  }
  family.metric.push_back(std::move(sample));
}

nlohmann::json status_of(const nlohmann::json& object) {
  if (!object.contains("status") || !object["status"].is_object()) return nlohmann::json::object();
  return object["status"];
}

double unix_seconds(const nlohmann::json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_string()) return 0;
  auto instant = parse_rfc3339(object[field].get<std::string>());
  if (!instant) return 0;
  return std::chrono::duration<double>(instant->time_since_epoch()).count();
}

double number_or_zero(const nlohmann::json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_number()) return 0;
  return object[field].get<double>();
}

}  // namespace mdbop
