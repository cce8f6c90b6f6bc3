// mdbop_galera_bench: how fast mdbop brings up, heals and recovers a 3-node Galera cluster of
// real mariadbd + galera-4 processes (a generated one, or the MariaDB of --manifest), and what
// the operator costs while it idles. It drives the real mdbop binary through the
// integration-test harness (private MDBOP_HOME and port range; every process is killed when it
// ends) and prints one "name value" line per figure, then a table. It never asserts a target:
// a figure above its target is reported, not failed. See bench/README.md.
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
#include "bench_cluster.h"
#include "bench_load.h"
#include "harness.h"
#include "sql/connection.h"
#include "store/local_store.h"
#include "util/curl_transport.h"
#include "util/subprocess.h"
#include "writer.h"

namespace mdbop::bench {
namespace {

using namespace std::chrono_literals;
using mdbop::testing::Installation;
using mdbop::testing::json;
using Clock = std::chrono::steady_clock;

// The light write load under the node kill and the full crash: one session, one row at a time,
// this long between an acknowledgement and the next INSERT (a few hundred rows a second).
constexpr auto kLightLoadPause = 5ms;
// How often the MariaDB object is read from the store while waiting for Ready to turn False.
constexpr auto kFastPoll = 20ms;
// The survivors' commits are watched this long after the killed node is Synced again.
constexpr auto kRejoinTail = 1s;
constexpr auto kIdleWindow = 60s;

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

  void print_table(const std::string& heading) const {
    size_t name_width = 6, value_width = 5, target_width = 6;
    for (const Figure& f : figures_) {
      name_width = std::max(name_width, f.name.size());
      value_width = std::max(value_width, f.value.size());
      target_width = std::max(target_width, f.target.size());
    }
    std::cout << "\n"
              << heading << "\n"
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

// The default: a cluster like examples/galera.yaml, as the integration tests write it.
// MDBOP_BENCH_EXTRA_SPEC: YAML lines appended under the MariaDB's spec.galera (indented by
// four spaces), e.g. "    providerOptions:\n      evs.suspect_timeout: PT1S\n", to measure
// the effect of a setting.
std::string generated_manifest() {
  const char* extra = std::getenv("MDBOP_BENCH_EXTRA_SPEC");
  return testing::galera_manifest("bench", 3, "Bench-Secret-42", extra ? extra : "");
}

// What every step works with: the installation, the figures, the cluster, and root's password
// (known once the manifest is applied).
struct Bench {
  Installation& mdbop;
  Report& report;
  Cluster cluster;
  std::string password;
  std::unique_ptr<LocalStore> store;  // the installation's, opened once the operator runs
};

// ---------------------------------------------------------------------------------------------
// Observing the cluster (never with the harness's EXPECTs: a miss is a timeout). Pods through
// `mdbop get pods -o json`; the MariaDB object straight from the store, which is what
// `mdbop get mariadb -o json` prints, without starting a process for each look.

std::vector<std::string> with_namespace(const Bench& bench, std::vector<std::string> args) {
  args.insert(args.end(), {"-n", bench.cluster.namespace_});
  return args;
}

std::optional<json> get_json(Bench& bench, const std::vector<std::string>& args) {
  auto result = bench.mdbop.mdbop(with_namespace(bench, args));
  if (result.exit_code != 0) return std::nullopt;
  json parsed = json::parse(result.out, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::optional<json> mariadb_object(Bench& bench) {
  if (!bench.store) return std::nullopt;
  auto object = bench.store->get({"MariaDB", bench.cluster.namespace_, bench.cluster.name});
  if (!object) return std::nullopt;
  return std::move(*object);
}

struct PodState {
  pid_t pid = 0;
  bool ready = false;
  std::string state;
  int sql_port = 0;
  int metrics_port = 0;  // its exporter's, when spec.metrics is enabled
  std::string data_dir;
};

std::vector<PodState> pod_states(Bench& bench) {
  std::vector<PodState> pods;
  auto list = get_json(bench, {"get", "pods", "-o", "json"});
  if (!list) return pods;
  for (const json& pod : list->value("items", json::array())) {
    if (pod["metadata"]["labels"].value("app.kubernetes.io/instance", "") != bench.cluster.name) {
      continue;
    }
    const json& status = pod["status"];
    PodState state;
    state.pid = status["pid"].is_number() ? status["pid"].get<pid_t>() : 0;
    state.ready = status.value("ready", false);
    state.state = status.value("galera", json::object()).value("state", "");
    state.sql_port = status.value("ports", json::object()).value("sql", 0);
    state.metrics_port = status.value("ports", json::object()).value("metrics", 0);
    state.data_dir = status.value("dataDir", "");
    pods.push_back(state);
  }
  return pods;
}

// The Ready condition's status ("True", "False", "Unknown"), "" when there is none yet.
std::string ready_status(const json& object) {
  for (const json& c : object.value("status", json::object()).value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "");
  }
  return "";
}

// Ready as a user sees it: the condition is True and every pod is Synced and ready, and none of
// them is still one of the processes that were killed (so a stale status cannot count).
bool cluster_ready(Bench& bench, const std::set<pid_t>& killed) {
  std::vector<PodState> pods = pod_states(bench);
  if (pods.size() != static_cast<size_t>(bench.cluster.replicas)) return false;
  for (const PodState& pod : pods) {
    if (!pod.ready || pod.pid <= 0 || killed.contains(pod.pid)) return false;
  }
  auto object = mariadb_object(bench);
  return object && ready_condition(*object);
}

// cluster_ready from the operator's status alone (one file read, no process started): Ready,
// every node Synced, none of them a killed process.
bool ready_in_status(const json& object, int replicas, const std::set<pid_t>& killed) {
  const json nodes = object.value("status", json::object()).value("nodes", json::array());
  if (nodes.size() != static_cast<size_t>(replicas) || !ready_condition(object)) return false;
  for (const json& node : nodes) {
    pid_t pid = node["pid"].is_number() ? node["pid"].get<pid_t>() : 0;
    if (node.value("state", "") != "Synced" || pid <= 0 || killed.contains(pid)) return false;
  }
  return true;
}

// Polls `predicate` every `interval` (a look through the CLI takes a few ms); the seconds from
// `start` until it held, or nullopt after `timeout`.
std::optional<double> time_until(Clock::time_point start, std::chrono::seconds timeout,
                                 const std::function<bool()>& predicate,
                                 Clock::duration interval = 50ms) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    if (interrupted) throw StepFailed("interrupted");
    if (predicate()) return seconds_since(start);
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(interval);
  }
}

// Sleeps, but no longer than until an interrupt.
void pause(Clock::duration length) {
  auto until = Clock::now() + length;
  while (!interrupted && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), 50ms));
  }
}

void dump_diagnostics(Bench& bench) {
  Installation& mdbop = bench.mdbop;
  std::cerr << "---- mdbop describe mariadb " << bench.cluster.name << "\n"
            << mdbop.mdbop(with_namespace(bench, {"describe", "mariadb", bench.cluster.name})).out
            << "---- mdbop get pods -o wide\n"
            << mdbop.mdbop(with_namespace(bench, {"get", "pods", "-o", "wide"})).out
            << "---- mdbop events\n"
            << mdbop.mdbop(with_namespace(bench, {"events"})).out << "---- operator.log (tail)\n";
  std::ifstream log(mdbop.home() / "operator.log");
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  size_t from = lines.size() > 40 ? lines.size() - 40 : 0;
  for (size_t i = from; i < lines.size(); ++i) std::cerr << lines[i] << "\n";
  std::cerr.flush();
}

std::optional<SqlConnection> connect_port(int port, const std::string& password,
                                          std::chrono::seconds timeout) {
  SqlEndpoint endpoint;
  endpoint.port = port;
  endpoint.password = password;
  endpoint.timeout = timeout;
  auto connection = SqlConnection::connect(endpoint);
  if (!connection) return std::nullopt;
  return std::move(*connection);
}

// A session for checking: its reads wait until the node has applied everything committed
// anywhere in the cluster before them (wsrep_sync_wait), so counts are exact.
SqlConnection must_connect(const Bench& bench, int port, std::chrono::seconds timeout) {
  auto connection = connect_port(port, bench.password, timeout);
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

std::vector<int> sql_ports(Bench& bench) {
  std::vector<int> ports;
  for (const PodState& pod : pod_states(bench)) ports.push_back(pod.sql_port);
  if (ports.size() != static_cast<size_t>(bench.cluster.replicas)) {
    throw StepFailed("pods are not listed");
  }
  return ports;
}

// The most acknowledged Writer rows (test.writes) that any one node lacks.
long long most_missing(Bench& bench, const std::set<long long>& acknowledged) {
  long long worst = 0;
  for (int port : sql_ports(bench)) {
    SqlConnection connection = must_connect(bench, port, 60s);
    auto rows = connection.query("SELECT id FROM test.writes");
    if (!rows) throw StepFailed("read test.writes: " + rows.error().what());
    std::set<long long> present;
    for (const auto& row : rows->rows) present.insert(std::stoll(*row[0]));
    long long missing = 0;
    for (long long id : acknowledged) missing += present.contains(id) ? 0 : 1;
    worst = std::max(worst, missing);
  }
  return worst;
}

// ---------------------------------------------------------------------------------------------
// Steps

// 1. A fresh cluster: from `mdbop apply` to Ready; then root's password, from the manifest or,
// when the manifest does not carry the Secret, from the store.
void fresh_cluster(Bench& bench) {
  Installation& mdbop = bench.mdbop;
  mdbop.start_operator();
  bench.store = std::make_unique<LocalStore>(mdbop.home() / "store");
  auto start = Clock::now();
  auto applied = bench.cluster.path.empty()
                     ? mdbop.mdbop({"apply", "-f", "-"}, bench.cluster.manifest)
                     : mdbop.mdbop({"apply", "-f", bench.cluster.path});
  if (applied.exit_code != 0) throw StepFailed("mdbop apply: " + applied.out + applied.err);
  auto ready = time_until(start, 180s, [&] { return cluster_ready(bench, {}); });
  std::istringstream said(applied.out + applied.err);
  for (std::string line; std::getline(said, line);) note("apply: " + line);
  if (!ready) {
    bench.report.failed("apply_to_ready_seconds");
    throw StepFailed("the fresh cluster was not Ready within 180 s");
  }
  bench.report.add("apply_to_ready_seconds", *ready, 2, "< 6", *ready < 6);

  auto password = root_password(bench.cluster, *bench.store);
  if (!password) throw StepFailed("root's password: " + password.error().what());
  bench.password = *password;
  if (!bench.cluster.password) {
    note("root's password read from Secret " + bench.cluster.root_password.name +
         " in the store (the manifest does not carry it)");
  }
}

// 2. Loads `bytes` of ~1 KB rows into bench.data: INSERT ... SELECT from the Sequence engine, in
// 8 MB write sets, from `threads` sessions spread over the nodes.
void load_data(Bench& bench, long long bytes, int threads) {
  Report& report = bench.report;
  long long rows = std::max(1LL, bytes / 1024);
  std::vector<int> ports = sql_ports(bench);
  auto start = Clock::now();
  if (auto loaded = load_bench_data(ports, bench.password, rows, threads, interrupted); !loaded) {
    report.failed("load_seconds");
    throw StepFailed(loaded.error().what());
  }
  double took = seconds_since(start);
  SqlConnection connection = must_connect(bench, ports[2], 30s);
  long long counted = std::stoll(scalar(connection, "SELECT COUNT(*) FROM bench.data"));
  std::error_code ec;
  auto file_bytes =
      std::filesystem::file_size(pod_states(bench).at(0).data_dir + "/bench/data.ibd", ec);
  report.add("load_rows", std::to_string(counted));
  report.add("load_table_file_mb", ec ? 0.0 : static_cast<double>(file_bytes) / 1048576.0, 0);
  report.add("load_seconds", took, 1);
  report.add("load_mb_per_second", static_cast<double>(rows * kPayloadBytes) / 1048576.0 / took, 1);
  if (counted != rows) throw StepFailed(fmt::format("loaded {} rows, expected {}", counted, rows));
}

// Starts the light load (the harness Writer, paced) through every node and waits for its first
// `rows` acknowledgements.
std::unique_ptr<testing::Writer> start_light_load(Bench& bench, size_t rows) {
  auto writer =
      std::make_unique<testing::Writer>(sql_ports(bench), bench.password, kLightLoadPause);
  if (!testing::eventually([&] { return writer->acknowledged().size() >= rows; }, 60s)) {
    throw StepFailed(fmt::format("the Writer got fewer than {} acknowledged rows in 60 s", rows));
  }
  return writer;
}

// The next Writer numbers its rows from 1 again.
void drop_writer_table(Bench& bench) {
  SqlConnection connection = must_connect(bench, sql_ports(bench).at(0), 30s);
  if (auto dropped = connection.execute("DROP TABLE IF EXISTS test.writes"); !dropped) {
    throw StepFailed("drop test.writes: " + dropped.error().what());
  }
}

// 3. One node SIGKILLed under the light load: until the operator has restarted it and it is
// Synced (pod ready) with the Ready condition True again; then every acknowledged row must be
// on every node.
void one_node_killed(Bench& bench) {
  Report& report = bench.report;
  std::vector<PodState> pods = pod_states(bench);
  auto writer = start_light_load(bench, 200);
  pid_t victim = pods.at(1).pid;
  auto start = Clock::now();
  kill(victim, SIGKILL);
  auto restarted = time_until(start, 60s, [&] {
    std::vector<PodState> now = pod_states(bench);
    return now.size() == pods.size() && now[1].pid > 0 && now[1].pid != victim;
  });
  auto synced = time_until(start, 120s, [&] { return cluster_ready(bench, {victim}); });
  writer->stop();
  if (restarted) report.add("node_kill_to_restarted_seconds", *restarted, 2);
  if (!synced) {
    report.failed("node_kill_to_synced_seconds");
    throw StepFailed("the killed node was not Synced within 120 s");
  }
  report.add("node_kill_to_synced_seconds", *synced, 2, "< 3", *synced < 3);
  std::set<long long> acknowledged = writer->acknowledged();
  long long missing = most_missing(bench, acknowledged);
  report.add("node_kill_acknowledged_rows", std::to_string(acknowledged.size()));
  report.add("node_kill_lost_acknowledged_rows", std::to_string(missing), "0", missing == 0);
  drop_writer_table(bench);
}

// A pause in the probe's commits: from one acknowledged commit to the next (or to the probe's
// end when none followed).
struct Gap {
  Clock::time_point start;
  Clock::time_point end;
  double length() const { return seconds(end - start); }
};

std::vector<Gap> commit_gaps(const std::vector<Clock::time_point>& commits,
                             Clock::time_point probe_end) {
  std::vector<Gap> gaps;
  for (size_t i = 1; i < commits.size(); ++i) gaps.push_back({commits[i - 1], commits[i]});
  if (!commits.empty()) gaps.push_back({commits.back(), probe_end});
  return gaps;
}

// The longest of the gaps `in_window` selects; `none` when it selects none.
Gap longest(const std::vector<Gap>& gaps, const std::function<bool(const Gap&)>& in_window,
            Gap none) {
  std::optional<Gap> found;
  for (const Gap& gap : gaps) {
    if (in_window(gap) && (!found || gap.length() > found->length())) found = gap;
  }
  return found.value_or(none);
}

// Sees a node's restart from outside mdbop: the first new process that runs with the node's
// option file (mariadbd itself, or the --wsrep-recover the operator may run before it). The
// command line of each new pid is read once, and again while it still is the operator's (a
// child between fork and exec).
class NodeStartWatch {
 public:
  NodeStartWatch(const std::string& data_dir, pid_t operator_pid)
      : option_("--defaults-file=" +
                (std::filesystem::path(data_dir).parent_path() / "my.cnf").string()),
        operator_cmdline_(process_cmdline(operator_pid)) {
    for (pid_t pid : pids()) seen_.insert(pid);
  }

  bool started() {
    for (pid_t pid : pids()) {
      if (seen_.contains(pid)) continue;
      std::string cmdline = process_cmdline(pid);
      if (cmdline.find(option_) != std::string::npos) return true;
      if (!cmdline.empty() && cmdline != operator_cmdline_) seen_.insert(pid);
    }
    return false;
  }

 private:
  static std::vector<pid_t> pids() {
    std::vector<pid_t> found;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
      std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") == std::string::npos) {
        found.push_back(static_cast<pid_t>(std::stol(name)));
      }
    }
    return found;
  }

  std::string option_;
  std::string operator_cmdline_;
  std::set<pid_t> seen_;
};

// 4. Survivors' write stall: a session on node 0 commits single-row INSERTs in a tight loop;
// node 2 is SIGKILLed. Two figures: the largest gap between consecutive commits after the kill
// until the operator's status shows a new process for node 2 (the eviction), and the largest
// from then until 1 s after it is Synced again (the rejoin and its state transfer); against the
// largest in the 10 s before the kill.
void survivor_stall(Bench& bench) {
  Report& report = bench.report;
  std::vector<PodState> pods = pod_states(bench);
  SqlConnection setup = must_connect(bench, pods.at(0).sql_port, 30s);
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
        connection = connect_port(port, bench.password, 30s);
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
  pid_t victim = pods.at(2).pid;
  NodeStartWatch restart(pods.at(2).data_dir, bench.mdbop.operator_pid());
  auto killed_at = Clock::now();
  auto killed_at_wall = std::chrono::system_clock::now();
  if (!interrupted) kill(victim, SIGKILL);
  // Watched through /proc and the store only (every 20 ms, no process started), so that looking
  // costs the probe next to nothing.
  std::optional<Clock::time_point> restarted_at;
  std::optional<Clock::time_point> synced_at;
  auto deadline = killed_at + 120s;
  while (!interrupted && !synced_at && Clock::now() < deadline) {
    if (!restarted_at && restart.started()) restarted_at = Clock::now();
    if (auto object = mariadb_object(bench)) {
      if (ready_in_status(*object, bench.cluster.replicas, {victim})) {
        synced_at = Clock::now();
        if (!restarted_at) restarted_at = synced_at;
      }
    }
    std::this_thread::sleep_for(kFastPoll);
  }
  if (synced_at) pause(kRejoinTail);
  auto window_end = Clock::now();
  stopping = true;
  probe.join();
  if (interrupted) throw StepFailed("interrupted");

  // Each gap counts in the window where it began: the eviction's from the last commit before
  // the kill to the restart, the rejoin's from the restart to the window's end.
  auto rejoin_from = restarted_at.value_or(window_end);
  std::vector<Gap> gaps = commit_gaps(commits, window_end);
  double baseline =
      longest(gaps, [&](const Gap& g) { return g.start >= killed_at - 10s && g.end <= killed_at; },
              {killed_at, killed_at})
          .length();
  Gap stall =
      longest(gaps, [&](const Gap& g) { return g.end > killed_at && g.start < rejoin_from; },
              {killed_at, window_end});
  Gap rejoin_stall =
      longest(gaps, [&](const Gap& g) { return g.start >= rejoin_from && g.start < window_end; },
              {rejoin_from, rejoin_from});
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
  report.add("survivor_max_commit_gap_after_kill_seconds", stall.length(), 3, "< 0.25",
             stall.length() < 0.25);
  report.add("survivor_stall_started_after_kill_seconds", seconds(stall.start - killed_at), 3);
  if (restarted_at) {
    report.add("survivor_killed_node_restarted_after_seconds", seconds(*restarted_at - killed_at),
               2);
  }
  if (!synced_at) {
    report.failed("survivor_max_commit_gap_during_rejoin_seconds");
    throw StepFailed("node 2 (stall probe) was not Synced within 120 s of its kill");
  }
  report.add("survivor_killed_node_synced_after_seconds", seconds(*synced_at - killed_at), 2);
  report.add("survivor_max_commit_gap_during_rejoin_seconds", rejoin_stall.length(), 3, "< 0.25",
             rejoin_stall.length() < 0.25);
  report.add("survivor_rejoin_stall_started_after_kill_seconds",
             seconds(rejoin_stall.start - killed_at), 3);
  report.add("survivor_commits_per_second_before_kill",
             static_cast<double>(count_in(commits, killed_at - 10s, killed_at)) / 10.0, 0);
  report.add("survivor_commits_per_second_after_kill",
             static_cast<double>(count_in(commits, killed_at, window_end)) /
                 seconds(window_end - killed_at),
             0);
  report.add("survivor_write_errors_after_kill",
             std::to_string(count_in(errors, killed_at, window_end)));

  // The operator's status said Ready; wait for the user's view too before the next step.
  if (!time_until(killed_at, 120s, [&] { return cluster_ready(bench, {victim}); })) {
    throw StepFailed("the cluster was not Ready within 120 s of the stall probe's kill");
  }
}

// 5. Every node SIGKILLed under the light load, which goes on through the recovery: until the
// Ready condition turns False, and until Ready again; then every acknowledged row must be on
// every node.
void full_crash(Bench& bench, long long data_rows) {
  Report& report = bench.report;
  std::string uuid;
  {
    SqlConnection connection = must_connect(bench, sql_ports(bench).at(0), 30s);
    uuid = scalar(connection,
                  "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                  "WHERE VARIABLE_NAME='WSREP_CLUSTER_STATE_UUID'");
  }
  auto writer = start_light_load(bench, 500);
  std::set<pid_t> killed;
  for (const PodState& pod : pod_states(bench)) killed.insert(pod.pid);
  auto start = Clock::now();
  for (pid_t pid : killed) kill(pid, SIGKILL);
  // Read from the store every 20 ms; the cluster Ready again without ever having been seen
  // otherwise ends the wait too.
  bool back = false;
  auto not_ready = time_until(
      start, 300s,
      [&] {
        auto object = mariadb_object(bench);
        if (!object) return false;
        back = ready_in_status(*object, bench.cluster.replicas, killed);
        return back || ready_status(*object) != "True";
      },
      kFastPoll);
  if (!not_ready || back) {
    report.add("full_crash_to_not_ready_seconds", "never", "< 1", false);
  } else {
    report.add("full_crash_to_not_ready_seconds", *not_ready, 3, "< 1", *not_ready < 1);
  }
  auto ready = time_until(start, 300s, [&] { return cluster_ready(bench, killed); });
  writer->stop();
  if (!ready) {
    report.failed("full_crash_to_ready_seconds");
    throw StepFailed("the cluster was not Ready within 300 s of the full crash");
  }
  report.add("full_crash_to_ready_seconds", *ready, 2, "< 6", *ready < 6);

  std::set<long long> acknowledged = writer->acknowledged();
  long long worst_missing = most_missing(bench, acknowledged);
  long long data_rows_seen = -1;
  std::string uuid_after;
  for (int port : sql_ports(bench)) {
    SqlConnection connection = must_connect(bench, port, 60s);
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
  if (auto object = mariadb_object(bench)) {
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

// 6. The operator idling beside a Ready cluster for 60 s: resident memory and CPU; `suffix`
// names the figures of a second measure (the operator with its metrics endpoint off).
void operator_idle(Bench& bench, const std::string& suffix = "") {
  Report& report = bench.report;
  pid_t pid = bench.mdbop.operator_pid();
  if (pid <= 0) throw StepFailed("the operator is not running");
  pause(2s);  // let the last recovery's follow-up passes finish
  ProcessSample before = sample(pid);
  auto start = Clock::now();
  pause(kIdleWindow);
  if (interrupted) throw StepFailed("interrupted");
  ProcessSample after = sample(pid);
  double elapsed = seconds_since(start);
  double cpu_seconds =
      static_cast<double>(after.ticks - before.ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  double cpu = cpu_seconds / elapsed * 100.0;
  double rss_mb = static_cast<double>(after.rss_kb) / 1024.0;
  report.add("operator_rss_mb" + suffix, rss_mb, 1, "< 16", rss_mb < 16);
  report.add("operator_peak_rss_mb" + suffix, static_cast<double>(after.hwm_kb) / 1024.0, 1);
  report.add("operator_idle_cpu_seconds" + suffix, cpu_seconds, 2);
  report.add("operator_idle_cpu_percent" + suffix, cpu, 3, "< 0.2", cpu < 0.2);
}

// Median, minimum and maximum milliseconds of `count` GETs of `url`, and the bytes of the last.
void scrape_cost(Report& report, const std::string& name, const std::string& url, int count) {
  CurlTransport http("");  // one connection kept, as Prometheus keeps one per target
  std::vector<double> millis;
  size_t bytes = 0;
  for (int i = 0; i < count && !interrupted; ++i) {
    const auto start = Clock::now();
    auto reply = http.send({"GET", url, {}, {}}, nullptr);
    millis.push_back(seconds_since(start) * 1000.0);
    if (!reply || reply->status != 200) {
      throw StepFailed("GET " + url + ": " +
                       (reply ? reply->transport_error + reply->body : reply.error().what()));
    }
    bytes = reply->body.size();
  }
  if (interrupted) throw StepFailed("interrupted");
  std::sort(millis.begin(), millis.end());
  report.add(name + "_scrape_ms_median", millis[millis.size() / 2], 2);
  report.add(name + "_scrape_ms_min", millis.front(), 2);
  report.add(name + "_scrape_ms_max", millis.back(), 2);
  report.add(name + "_scrape_bytes", static_cast<double>(bytes), 0);
}

// 7. What one scrape costs: the operator's /metrics, and one node's exporter when the manifest
// switches metrics on; then the operator idling again with its endpoint off, for comparison.
void metrics_cost(Bench& bench) {
  std::ifstream file(bench.mdbop.home() / "operator.json");
  const json info = json::parse(file, nullptr, false);
  const std::string address = info.is_object() ? info.value("metricsAddress", "") : "";
  if (address.empty()) throw StepFailed("operator.json names no metricsAddress");
  scrape_cost(bench.report, "operator", "http://" + address + "/metrics", 50);
  const std::vector<PodState> pods = pod_states(bench);
  if (!pods.empty() && pods[0].metrics_port > 0) {
    scrape_cost(bench.report, "node",
                "http://127.0.0.1:" + std::to_string(pods[0].metrics_port) + "/metrics", 50);
  } else {
    note("the manifest does not enable spec.metrics: no node exporter to scrape");
  }
  bench.mdbop.stop_operator();
  bench.mdbop.start_operator({}, {"--metrics-bind-address", "0"});
  operator_idle(bench, "_metrics_off");
}

bool harness_failed() { return ::testing::UnitTest::GetInstance()->ad_hoc_test_result().Failed(); }

int run(const Cluster& cluster, long long bytes, int load_threads, bool costs_only) {
  Report report;
  int status = 0;
  {
    Installation mdbop;
    Bench bench{mdbop, report, cluster, "", nullptr};
    note("MDBOP_HOME " + mdbop.home().string() +
         (std::getenv("MDBOP_KEEP_TEST_HOME") ? " (kept)" : " (removed at the end)"));
    try {
      fresh_cluster(bench);
      if (!costs_only) {
        long long rows = -1;
        if (bytes > 0) {
          load_data(bench, bytes, load_threads);
          rows = std::max(1LL, bytes / 1024);
        }
        one_node_killed(bench);
        survivor_stall(bench);
        full_crash(bench, rows);
      }
      operator_idle(bench);
      metrics_cost(bench);
      if (harness_failed()) throw StepFailed("the harness reported a failure (see above)");
    } catch (const std::exception& e) {
      std::cerr << "bench stopped: " << e.what() << "\n";
      dump_diagnostics(bench);
      status = 1;
    }
    note("cleaning up");
  }
  report.print_table("manifest: " + cluster.describe());
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
  const char* env_manifest = std::getenv("MDBOP_BENCH_MANIFEST");
  std::string manifest_path = env_manifest ? env_manifest : "";
  int load_threads = 2;
  app.add_option("--size", size,
                 "data to load before the crash tests, a quantity such as 1Gi, 300Mi or 0 "
                 "(env MDBOP_BENCH_SIZE; default 1Gi)");
  app.add_option("--load-threads", load_threads, "sessions loading the data (default 2)")
      ->check(CLI::Range(1, 16));
  app.add_option("--manifest", manifest_path,
                 "the MariaDB manifest to apply (with its root Secret), e.g. "
                 "/work/shared/manifests/galera-production.yaml (env MDBOP_BENCH_MANIFEST; "
                 "default: a generated cluster like examples/galera.yaml)");
  bool costs_only = false;
  app.add_flag("--costs-only", costs_only,
               "bring the cluster up, then measure only what the operator and a scrape cost "
               "(no data load, no kills)");
  CLI11_PARSE(app, argc, argv);
  auto bytes = mdbop::parse_quantity(size);
  if (!bytes || *bytes < 0) {
    std::cerr << "error: --size: not a quantity: " << size << "\n";
    return 2;
  }
  if (!manifest_path.empty() && std::getenv("MDBOP_BENCH_EXTRA_SPEC")) {
    std::cerr << "error: MDBOP_BENCH_EXTRA_SPEC changes the generated manifest only; with "
                 "--manifest, edit the manifest\n";
    return 2;
  }
  auto cluster = mdbop::bench::chosen_cluster(manifest_path, mdbop::bench::generated_manifest());
  if (!cluster) return 2;
  if (cluster->replicas < 3) {
    std::cerr << "error: the bench kills nodes 1 and 2: it needs 3 replicas or more\n";
    return 2;
  }
  mdbop::bench::end_steps_on_signals();
  return mdbop::bench::run(*cluster, static_cast<long long>(*bytes), load_threads, costs_only);
}
