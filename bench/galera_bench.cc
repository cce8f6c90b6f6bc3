// mdbop_galera_bench: how fast mdbop brings up, heals and recovers a 3-node Galera cluster of
// real mariadbd + galera-4 processes, and what the operator costs while it idles. It drives
// the real mdbop binary through the integration-test harness (private MDBOP_HOME and port
// range; every process is killed when it ends) and prints one "name value" line per figure,
// then a table. It never asserts a target: a figure above its target is reported, not failed.
// See bench/README.md.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "api/quantity.h"
#include "harness.h"
#include "sql/connection.h"
#include "util/subprocess.h"
#include "writer.h"

namespace mdbop::bench {
namespace {

using namespace std::chrono_literals;
using mdbop::testing::Installation;
using mdbop::testing::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kName = "bench";
constexpr const char* kPassword = "Bench-Secret-42";
constexpr int kReplicas = 3;
constexpr long long kPayloadBytes = 1000;  // per row, plus ~24 bytes of key and row overhead
constexpr long long kRowsPerChunk = 8192;  // one ~8 MB write set per INSERT ... SELECT

// Ctrl-C or SIGTERM ends the current wait, so that cleanup still kills every process.
std::atomic<bool> interrupted{false};

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double seconds_since(Clock::time_point start) { return seconds(Clock::now() - start); }

// A step that could not finish (a timeout, a refused command): the figures so far stand.
struct StepFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------------------
// Figures

struct Figure {
  std::string name;
  std::string value;
  std::string target;  // empty: informational
  std::string verdict;
};

class Report {
 public:
  // Prints "name value" at once (so that a long run shows progress) and keeps it for the table.
  void add(const std::string& name, const std::string& value, const std::string& target = "",
           std::optional<bool> within_target = std::nullopt) {
    std::cout << name << " " << value << std::endl;
    figures_.push_back(
        {name, value, target, within_target ? (*within_target ? "met" : "MISSED") : std::string()});
  }
  void add(const std::string& name, double value, int decimals, const std::string& target = "",
           std::optional<bool> within_target = std::nullopt) {
    add(name, fmt::format("{:.{}f}", value, decimals), target, within_target);
  }
  void failed(const std::string& name) { add(name, "failed"); }

  void print_table() const {
    size_t name_width = 6, value_width = 5, target_width = 6;
    for (const Figure& f : figures_) {
      name_width = std::max(name_width, f.name.size());
      value_width = std::max(value_width, f.value.size());
      target_width = std::max(target_width, f.target.size());
    }
    std::cout << "\n"
              << fmt::format("{:<{}}  {:>{}}  {:<{}}  {}\n", "figure", name_width, "value",
                             value_width, "target", target_width, "verdict");
    std::cout << std::string(name_width + value_width + target_width + 13, '-') << "\n";
    for (const Figure& f : figures_) {
      std::cout << fmt::format("{:<{}}  {:>{}}  {:<{}}  {}\n", f.name, name_width, f.value,
                               value_width, f.target, target_width, f.verdict);
    }
    std::cout.flush();
  }

 private:
  std::vector<Figure> figures_;
};

void note(const std::string& text) { std::cerr << "# " << text << std::endl; }

// ---------------------------------------------------------------------------------------------
// Observing the cluster through the CLI (never with the harness's EXPECTs: a miss is a timeout)

std::optional<json> get_json(Installation& mdbop, const std::vector<std::string>& args) {
  auto result = mdbop.mdbop(args);
  if (result.exit_code != 0) return std::nullopt;
  json parsed = json::parse(result.out, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

struct PodState {
  pid_t pid = 0;
  bool ready = false;
  std::string state;
  int sql_port = 0;
  std::string data_dir;
};

std::vector<PodState> pod_states(Installation& mdbop) {
  std::vector<PodState> pods;
  auto list = get_json(mdbop, {"get", "pods", "-o", "json"});
  if (!list) return pods;
  for (const json& pod : list->value("items", json::array())) {
    if (pod["metadata"]["labels"].value("app.kubernetes.io/instance", "") != kName) continue;
    const json& status = pod["status"];
    PodState state;
    state.pid = status["pid"].is_number() ? status["pid"].get<pid_t>() : 0;
    state.ready = status.value("ready", false);
    state.state = status.value("galera", json::object()).value("state", "");
    state.sql_port = status.value("ports", json::object()).value("sql", 0);
    state.data_dir = status.value("dataDir", "");
    pods.push_back(state);
  }
  return pods;
}

// The MariaDB's Ready condition is True for its current generation.
bool ready_condition(Installation& mdbop) {
  auto object = get_json(mdbop, {"get", "mariadb", kName, "-o", "json"});
  if (!object) return false;
  long long generation = (*object)["metadata"].value("generation", 0LL);
  for (const json& c : object->value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") {
      return c.value("status", "") == "True" &&
             c.value("observedGeneration", generation) >= generation;
    }
  }
  return false;
}

// Ready as a user sees it: the condition is True and every pod is Synced and ready, and none of
// them is still one of the processes that were killed (so a stale status cannot count).
bool cluster_ready(Installation& mdbop, const std::set<pid_t>& killed) {
  std::vector<PodState> pods = pod_states(mdbop);
  if (pods.size() != static_cast<size_t>(kReplicas)) return false;
  for (const PodState& pod : pods) {
    if (!pod.ready || pod.pid <= 0 || killed.contains(pod.pid)) return false;
  }
  return ready_condition(mdbop);
}

// Polls `predicate` every 50 ms (each poll runs the mdbop CLI, a few ms); the seconds from
// `start` until it held, or nullopt after `timeout`.
std::optional<double> time_until(Clock::time_point start, std::chrono::seconds timeout,
                                 const std::function<bool()>& predicate) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (interrupted) throw StepFailed("interrupted");
    if (predicate()) return seconds_since(start);
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(50ms);
  }
}

// Sleeps, but no longer than until an interrupt.
void pause(Clock::duration length) {
  auto until = Clock::now() + length;
  while (!interrupted && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), 50ms));
  }
}

void dump_diagnostics(Installation& mdbop) {
  std::cerr << "---- mdbop describe mariadb " << kName << "\n"
            << mdbop.mdbop({"describe", "mariadb", kName}).out << "---- mdbop get pods -o wide\n"
            << mdbop.mdbop({"get", "pods", "-o", "wide"}).out << "---- mdbop events\n"
            << mdbop.mdbop({"events"}).out << "---- operator.log (tail)\n";
  std::ifstream log(mdbop.home() / "operator.log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  size_t from = lines.size() > 40 ? lines.size() - 40 : 0;
  for (size_t i = from; i < lines.size(); ++i) std::cerr << lines[i] << "\n";
  std::cerr.flush();
}

std::optional<SqlConnection> connect_port(int port, std::chrono::seconds timeout) {
  SqlEndpoint endpoint;
  endpoint.port = port;
  endpoint.password = kPassword;
  endpoint.timeout = timeout;
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return std::nullopt;
  return std::move(*connection);
}

// A session for checking: its reads wait until the node has applied everything committed
// anywhere in the cluster before them (wsrep_sync_wait), so counts are exact.
SqlConnection must_connect(int port, std::chrono::seconds timeout) {
  auto connection = connect_port(port, timeout);
  if (!connection) throw StepFailed(fmt::format("cannot connect to 127.0.0.1:{}", port));
  if (auto set = connection->execute("SET SESSION wsrep_sync_wait=1"); !set) {
    throw StepFailed("SET wsrep_sync_wait: " + set.error().what());
  }
  return std::move(*connection);
}

std::string scalar(SqlConnection& connection, const std::string& sql) {
  auto rows = connection.query(sql);
  if (!rows) throw StepFailed(sql + ": " + rows.error().what());
  if (rows->rows.empty() || rows->rows[0].empty() || !rows->rows[0][0]) return "";
  return *rows->rows[0][0];
}

std::vector<int> sql_ports(Installation& mdbop) {
  std::vector<int> ports;
  for (const PodState& pod : pod_states(mdbop)) ports.push_back(pod.sql_port);
  if (ports.size() != static_cast<size_t>(kReplicas)) throw StepFailed("pods are not listed");
  return ports;
}

// ---------------------------------------------------------------------------------------------
// Steps

// 1. A fresh cluster: from `mdbop apply` to Ready.
// MDBOP_BENCH_EXTRA_SPEC: YAML lines appended under the MariaDB's spec.galera (indented by
// four spaces), e.g. "    providerOptions:\n      evs.suspect_timeout: PT1S\n", to measure
// the effect of a setting.
std::string extra_spec() {
  const char* extra = std::getenv("MDBOP_BENCH_EXTRA_SPEC");
  return extra ? extra : "";
}

void fresh_cluster(Installation& mdbop, Report& report) {
  mdbop.start_operator();
  auto start = Clock::now();
  auto applied = mdbop.mdbop({"apply", "-f", "-"},
                             testing::galera_manifest(kName, kReplicas, kPassword, extra_spec()));
  if (applied.exit_code != 0) throw StepFailed("mdbop apply: " + applied.err);
  auto ready = time_until(start, 180s, [&] { return cluster_ready(mdbop, {}); });
  if (!ready) {
    report.failed("apply_to_ready_seconds");
    throw StepFailed("the fresh cluster was not Ready within 180 s");
  }
  report.add("apply_to_ready_seconds", *ready, 2, "< 15", *ready < 15);
}

// Loads `bytes` of ~1 KB rows into bench.data: INSERT ... SELECT from the Sequence engine, in
// 8 MB write sets, from `threads` sessions spread over the nodes.
void load_data(Installation& mdbop, Report& report, long long bytes, int threads) {
  long long rows = std::max(1LL, bytes / 1024);
  std::vector<int> ports = sql_ports(mdbop);
  {
    SqlConnection connection = must_connect(ports[0], 30s);
    auto created = connection.execute(
        "CREATE DATABASE IF NOT EXISTS bench; CREATE TABLE IF NOT EXISTS bench.data (id BIGINT "
        "PRIMARY KEY, payload VARBINARY(1024) NOT NULL) ENGINE=InnoDB");
    if (!created) throw StepFailed("create bench.data: " + created.error().what());
  }
  long long chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
  std::atomic<long long> next_chunk{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  auto start = Clock::now();
  auto deadline = start + 30min;
  std::vector<std::thread> loaders;
  for (int t = 0; t < threads; ++t) {
    loaders.emplace_back([&, t] {
      auto connection = connect_port(ports[static_cast<size_t>(t) % ports.size()], 300s);
      if (!connection) {
        failed = true;
        std::lock_guard lock(error_mutex);
        error = "loader cannot connect";
        return;
      }
      for (long long chunk = next_chunk++; chunk < chunks && !failed; chunk = next_chunk++) {
        if (Clock::now() > deadline || interrupted) {
          failed = true;
          std::lock_guard lock(error_mutex);
          error = interrupted ? "interrupted" : "the load took more than 30 minutes";
          return;
        }
        long long first = chunk * kRowsPerChunk + 1;
        long long last = std::min(rows, first + kRowsPerChunk - 1);
        auto done = connection->execute(fmt::format(
            "INSERT INTO bench.data SELECT seq, RANDOM_BYTES({}) FROM bench.seq_{}_to_{}",
            kPayloadBytes, first, last));
        if (!done) {
          failed = true;
          std::lock_guard lock(error_mutex);
          error = "load: " + done.error().what();
          return;
        }
      }
    });
  }
  for (auto& loader : loaders) loader.join();
  if (failed) {
    report.failed("load_seconds");
    throw StepFailed(error);
  }
  double took = seconds_since(start);
  SqlConnection connection = must_connect(ports[2], 30s);
  long long counted = std::stoll(scalar(connection, "SELECT COUNT(*) FROM bench.data"));
  std::error_code ec;
  auto file_bytes =
      std::filesystem::file_size(pod_states(mdbop).at(0).data_dir + "/bench/data.ibd", ec);
  report.add("load_rows", std::to_string(counted));
  report.add("load_table_file_mb", ec ? 0.0 : static_cast<double>(file_bytes) / 1048576.0, 0);
  report.add("load_seconds", took, 1);
  report.add("load_mb_per_second", static_cast<double>(rows * kPayloadBytes) / 1048576.0 / took, 1);
  if (counted != rows) throw StepFailed(fmt::format("loaded {} rows, expected {}", counted, rows));
}

// 3. One node SIGKILLed: until the operator has restarted it and it is Synced (pod ready) with
// the Ready condition True again.
void one_node_killed(Installation& mdbop, Report& report) {
  std::vector<PodState> pods = pod_states(mdbop);
  pid_t victim = pods.at(1).pid;
  auto start = Clock::now();
  kill(victim, SIGKILL);
  auto restarted = time_until(start, 60s, [&] {
    std::vector<PodState> now = pod_states(mdbop);
    return now.size() == pods.size() && now[1].pid > 0 && now[1].pid != victim;
  });
  auto synced = time_until(start, 120s, [&] { return cluster_ready(mdbop, {victim}); });
  if (restarted) report.add("node_kill_to_restarted_seconds", *restarted, 2);
  if (!synced) {
    report.failed("node_kill_to_synced_seconds");
    throw StepFailed("the killed node was not Synced within 120 s");
  }
  report.add("node_kill_to_synced_seconds", *synced, 2);
}

// 4. Survivors' write stall: a session on node 0 commits single-row INSERTs in a tight loop;
// node 2 is SIGKILLed; the largest gap between consecutive commits in the 10 s after the kill,
// against the largest in the 10 s before it.
void survivor_stall(Installation& mdbop, Report& report) {
  std::vector<PodState> pods = pod_states(mdbop);
  SqlConnection setup = must_connect(pods.at(0).sql_port, 30s);
  auto created = setup.execute(
      "CREATE DATABASE IF NOT EXISTS bench; "
      "CREATE TABLE IF NOT EXISTS bench.probe (id BIGINT PRIMARY KEY, payload VARCHAR(64))");
  if (!created) throw StepFailed("create bench.probe: " + created.error().what());

  std::atomic<bool> stopping{false};
  std::vector<Clock::time_point> commits;
  std::vector<Clock::time_point> errors;
  int port = pods[0].sql_port;
  std::thread probe([&] {
    std::optional<SqlConnection> connection;
    long long id = 0;
    while (!stopping) {
      if (!connection) {
        connection = connect_port(port, 30s);
        if (!connection) {
          errors.push_back(Clock::now());
          std::this_thread::sleep_for(10ms);
          continue;
        }
      }
      ++id;
      auto done = connection->execute(
          fmt::format("INSERT INTO bench.probe VALUES ({}, 'probe-{}')", id, id));
      if (done) {
        commits.push_back(Clock::now());
      } else {
        errors.push_back(Clock::now());
        connection.reset();
      }
    }
  });
  pause(11s);  // 1 s to warm up, then the 10 s baseline
  auto killed_at = Clock::now();
  auto killed_at_wall = std::chrono::system_clock::now();
  if (!interrupted) kill(pods.at(2).pid, SIGKILL);
  pause(10s);
  auto window_end = Clock::now();
  stopping = true;
  probe.join();
  if (interrupted) throw StepFailed("interrupted");

  // Largest gap between consecutive commits inside [from, to], counting the edges of the
  // window itself when no commit lies before or after them.
  auto largest_gap = [&](Clock::time_point from, Clock::time_point to, bool straddle,
                         Clock::time_point* gap_start) {
    std::vector<Clock::time_point> points;
    std::optional<Clock::time_point> before;
    for (auto t : commits) {
      if (t < from) before = t;
      if (t >= from && t <= to) points.push_back(t);
    }
    // After a kill the first gap starts at the last commit before the kill.
    points.insert(points.begin(), straddle && before ? *before : from);
    points.push_back(to);
    double largest = 0;
    for (size_t i = 1; i < points.size(); ++i) {
      double gap = seconds(points[i] - points[i - 1]);
      if (gap > largest) {
        largest = gap;
        if (gap_start) *gap_start = points[i - 1];
      }
    }
    return largest;
  };
  Clock::time_point stall_start;
  double baseline = largest_gap(killed_at - 10s, killed_at, false, nullptr);
  double stall = largest_gap(killed_at, window_end, true, &stall_start);
  auto count_in = [](const std::vector<Clock::time_point>& times, Clock::time_point from,
                     Clock::time_point to) {
    return std::count_if(times.begin(), times.end(), [&](auto t) { return t >= from && t < to; });
  };
  // Every long gap, to be matched with the nodes' error logs (the kill's UTC time is noted).
  std::string long_gaps;
  for (size_t i = 1; i < commits.size(); ++i) {
    if (commits[i] < killed_at || commits[i] - commits[i - 1] < 100ms) continue;
    long_gaps += fmt::format(" +{:.3f}s ({:.3f} s)", seconds(commits[i - 1] - killed_at),
                             seconds(commits[i] - commits[i - 1]));
  }
  auto kill_millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(killed_at_wall.time_since_epoch())
          .count() %
      1000;
  note(
      fmt::format("stall probe: node 2 killed at {:%H:%M:%S}.{:03d} UTC; commit gaps over 0.1 s:{}",
                  std::chrono::floor<std::chrono::seconds>(killed_at_wall), kill_millis,
                  long_gaps.empty() ? " none" : long_gaps));
  report.add("survivor_max_commit_gap_before_kill_seconds", baseline, 3);
  report.add("survivor_max_commit_gap_after_kill_seconds", stall, 3, "< 0.5", stall < 0.5);
  report.add("survivor_stall_started_after_kill_seconds", seconds(stall_start - killed_at), 3);
  report.add("survivor_commits_per_second_before_kill",
             static_cast<double>(count_in(commits, killed_at - 10s, killed_at)) / 10.0, 0);
  report.add("survivor_commits_per_second_after_kill",
             static_cast<double>(count_in(commits, killed_at, window_end)) /
                 seconds(window_end - killed_at),
             0);
  report.add("survivor_write_errors_after_kill",
             std::to_string(count_in(errors, killed_at, window_end)));

  auto ready = time_until(killed_at, 120s, [&] { return cluster_ready(mdbop, {pods[2].pid}); });
  if (!ready) throw StepFailed("the cluster was not Ready within 120 s of the stall probe's kill");
  note(
      fmt::format("node 2 (stall probe) back and the cluster Ready {:.2f} s after its kill "
                  "(observed only after the 10 s window)",
                  *ready));
}

// 2. Every node SIGKILLed under the harness Writer's load: until Ready again; then every
// acknowledged row must be on every node.
void full_crash(Installation& mdbop, Report& report, long long data_rows) {
  std::vector<int> ports = sql_ports(mdbop);
  std::string uuid;
  {
    SqlConnection connection = must_connect(ports[0], 30s);
    uuid = scalar(connection,
                  "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                  "WHERE VARIABLE_NAME='WSREP_CLUSTER_STATE_UUID'");
  }
  auto writer = std::make_unique<testing::Writer>(ports, kPassword);
  if (!testing::eventually([&] { return writer->acknowledged().size() > 500; }, 60s)) {
    throw StepFailed("the Writer got fewer than 500 acknowledged rows in 60 s");
  }
  std::set<pid_t> killed;
  for (const PodState& pod : pod_states(mdbop)) killed.insert(pod.pid);
  auto start = Clock::now();
  for (pid_t pid : killed) kill(pid, SIGKILL);
  // The writer stops beside the measurement, so that polling starts at once.
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    writer->stop();
  });
  auto ready = time_until(start, 300s, [&] { return cluster_ready(mdbop, killed); });
  stopper.join();
  if (!ready) {
    report.failed("full_crash_to_ready_seconds");
    throw StepFailed("the cluster was not Ready within 300 s of the full crash");
  }
  report.add("full_crash_to_ready_seconds", *ready, 2, "< 10", *ready < 10);

  std::set<long long> acknowledged = writer->acknowledged();
  long long worst_missing = 0;
  long long data_rows_seen = -1;
  std::string uuid_after;
  for (int port : sql_ports(mdbop)) {
    SqlConnection connection = must_connect(port, 60s);
    auto rows = connection.query("SELECT id FROM test.writes");
    if (!rows) throw StepFailed("read test.writes: " + rows.error().what());
    std::set<long long> present;
    for (const auto& row : rows->rows) present.insert(std::stoll(*row[0]));
    long long missing = 0;
    for (long long id : acknowledged) missing += present.contains(id) ? 0 : 1;
    worst_missing = std::max(worst_missing, missing);
    if (data_rows >= 0) {
      long long seen = std::stoll(scalar(connection, "SELECT COUNT(*) FROM bench.data"));
      data_rows_seen = data_rows_seen < 0 ? seen : std::min(data_rows_seen, seen);
    }
    uuid_after = scalar(connection,
                        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                        "WHERE VARIABLE_NAME='WSREP_CLUSTER_STATE_UUID'");
  }
  report.add("full_crash_acknowledged_rows", std::to_string(acknowledged.size()));
  report.add("full_crash_lost_acknowledged_rows", std::to_string(worst_missing), "0",
             worst_missing == 0);
  if (data_rows >= 0) {
    report.add("full_crash_data_rows_after", std::to_string(data_rows_seen),
               std::to_string(data_rows), data_rows_seen == data_rows);
  }
  report.add("full_crash_same_history", uuid_after == uuid ? "yes" : "no", "yes",
             uuid_after == uuid);
  auto object = get_json(mdbop, {"get", "mariadb", kName, "-o", "json"});
  if (object) {
    note("status.galeraRecovery: " +
         object->value("status", json::object()).value("galeraRecovery", json()).dump());
  }
}

struct ProcessSample {
  long long ticks = 0;  // utime + stime
  long long rss_kb = 0;
  long long hwm_kb = 0;
};

ProcessSample sample(pid_t pid) {
  ProcessSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = text.rfind(')');
  if (close == std::string::npos) throw StepFailed("cannot read /proc/<operator>/stat");
  std::istringstream fields(text.substr(close + 2));
  std::vector<std::string> values;
  for (std::string field; fields >> field;) values.push_back(field);
  // values[0] is field 3 (state); utime and stime are fields 14 and 15.
  s.ticks = std::stoll(values.at(11)) + std::stoll(values.at(12));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stoll(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kb = std::stoll(line.substr(6));
  }
  return s;
}

// 5. The operator idling beside a Ready cluster for 10 s: resident memory and CPU.
void operator_idle(Installation& mdbop, Report& report) {
  pid_t pid = mdbop.operator_pid();
  if (pid <= 0) throw StepFailed("the operator is not running");
  pause(2s);  // let the last recovery's follow-up passes finish
  ProcessSample before = sample(pid);
  auto start = Clock::now();
  pause(10s);
  if (interrupted) throw StepFailed("interrupted");
  ProcessSample after = sample(pid);
  double elapsed = seconds_since(start);
  double cpu = static_cast<double>(after.ticks - before.ticks) /
               static_cast<double>(sysconf(_SC_CLK_TCK)) / elapsed * 100.0;
  double rss_mb = static_cast<double>(after.rss_kb) / 1024.0;
  report.add("operator_rss_mb", rss_mb, 1, "< 20", rss_mb < 20);
  report.add("operator_peak_rss_mb", static_cast<double>(after.hwm_kb) / 1024.0, 1);
  report.add("operator_idle_cpu_percent", cpu, 2);
}

bool harness_failed() { return ::testing::UnitTest::GetInstance()->ad_hoc_test_result().Failed(); }

int run(long long bytes, int load_threads) {
  Report report;
  int status = 0;
  {
    Installation mdbop;
    note("MDBOP_HOME " + mdbop.home().string() +
         (std::getenv("MDBOP_KEEP_TEST_HOME") ? " (kept)" : " (removed at the end)"));
    try {
      fresh_cluster(mdbop, report);
      long long rows = -1;
      if (bytes > 0) {
        load_data(mdbop, report, bytes, load_threads);
        rows = std::max(1LL, bytes / 1024);
      }
      one_node_killed(mdbop, report);
      survivor_stall(mdbop, report);
      full_crash(mdbop, report, rows);
      operator_idle(mdbop, report);
      if (harness_failed()) throw StepFailed("the harness reported a failure (see above)");
    } catch (const std::exception& e) {
      std::cerr << "bench stopped: " << e.what() << "\n";
      dump_diagnostics(mdbop);
      status = 1;
    }
    note("cleaning up");
  }
  report.print_table();
  return status;
}

}  // namespace
}  // namespace mdbop::bench

int main(int argc, char** argv) {
  // The harness reports through gtest's EXPECTs; outside a test they print and are counted.
  ::testing::InitGoogleTest(&argc, argv);
  CLI::App app{"mdbop_galera_bench: bring-up, healing and recovery times of a 3-node cluster"};
  const char* env_size = std::getenv("MDBOP_BENCH_SIZE");
  std::string size = env_size ? env_size : "1Gi";
  int load_threads = 2;
  app.add_option("--size", size,
                 "data to load before the crash tests, a quantity such as 1Gi, 300Mi or 0 "
                 "(env MDBOP_BENCH_SIZE; default 1Gi)");
  app.add_option("--load-threads", load_threads, "sessions loading the data (default 2)")
      ->check(CLI::Range(1, 16));
  CLI11_PARSE(app, argc, argv);
  auto bytes = mdbop::parse_quantity(size);
  if (!bytes || *bytes < 0) {
    std::cerr << "error: --size: not a quantity: " << size << "\n";
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGINT, [](int) { mdbop::bench::interrupted = true; });
  signal(SIGTERM, [](int) { mdbop::bench::interrupted = true; });
  return mdbop::bench::run(static_cast<long long>(*bytes), load_threads);
}
