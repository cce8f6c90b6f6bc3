// The operator process's own figures, as Prometheus client libraries name them
// (process_cpu_seconds_total, process_resident_memory_bytes, process_start_time_seconds), read
// from /proc/self when a scrape asks.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

namespace mdbop {

// The fields of /proc/<pid>/stat these metrics need, in clock ticks.
struct ProcStat {
  unsigned long long user_ticks = 0;    // utime (field 14)
  unsigned long long system_ticks = 0;  // stime (field 15)
  unsigned long long start_ticks = 0;   // starttime (field 22), since boot
};

// Parses the text of /proc/<pid>/stat (whose second field, the command name, may hold spaces
// and parentheses); nullopt when it is not such a line.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// This process's start as Unix seconds (boot time from /proc/stat plus its starttime); 0 when
// /proc cannot tell.
double process_start_time_seconds();

// process_cpu_seconds_total and process_resident_memory_bytes, read now, and
// process_start_time_seconds (`start_time_seconds`, which does not change).
std::vector<prometheus::MetricFamily> process_metrics(double start_time_seconds);

}  // namespace mdbop
