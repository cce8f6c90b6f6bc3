#include "metrics/process_stats.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "metrics/families.h"
#include "util/files.h"

namespace mdbop {

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // The command name ends at the last ')': from there on the fields are plain numbers and
  // letters separated by spaces, the first being field 3 (state).
  const auto name_end = text.rfind(')');
  if (name_end == std::string_view::npos) return std::nullopt;
  std::istringstream fields{std::string(text.substr(name_end + 1))};
  std::vector<std::string> after_name;
  for (std::string field; fields >> field;) after_name.push_back(field);
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3, kStarttime = 22 - 3;
  if (after_name.size() <= kStarttime) return std::nullopt;
  try {
    return ProcStat{std::stoull(after_name[kUtime]), std::stoull(after_name[kStime]),
                    std::stoull(after_name[kStarttime])};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

double process_start_time_seconds() {
  auto stat = read_file("/proc/self/stat");
  auto system = read_file("/proc/stat");
  if (!stat || !system) return 0;
  const auto parsed = parse_proc_stat(*stat);
  const auto at = system->find("\nbtime ");
  if (!parsed || at == std::string::npos) return 0;
  const double boot_time = std::strtod(system->c_str() + at + 7, nullptr);
  return boot_time +
         static_cast<double>(parsed->start_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::vector<prometheus::MetricFamily> process_metrics(double start_time_seconds) {
  auto cpu = counter_family("process_cpu_seconds_total", "User and system CPU time spent");
  auto resident = gauge_family("process_resident_memory_bytes", "Resident memory size");
  auto start = gauge_family("process_start_time_seconds", "Start of the process as Unix time");
  if (auto stat = read_file("/proc/self/stat")) {
    if (const auto parsed = parse_proc_stat(*stat)) {
      add_sample(cpu, {},
                 static_cast<double>(parsed->user_ticks + parsed->system_ticks) /
                     static_cast<double>(sysconf(_SC_CLK_TCK)));
    }
  }
  // statm: size resident shared ..., in pages.
  if (auto statm = read_file("/proc/self/statm")) {
    std::istringstream pages(*statm);
    unsigned long long size = 0, resident_pages = 0;
    if (pages >> size >> resident_pages) {
      add_sample(resident, {},
                 static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)));
    }
  }
  add_sample(start, {}, start_time_seconds);
  return {cpu, resident, start};
}

}  // namespace mdbop
