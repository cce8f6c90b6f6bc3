#include "controller/operator.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "controller/backup/backup_reconciler.h"
#include "controller/conditions.h"
#include "controller/kind_registry.h"
#include "controller/mariadb/reconciler.h"
#include "store/local_store.h"
#include "util/files.h"
#include "util/pid_lock.h"

namespace mdbop {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Runs one object's reconciler on its own thread until the object is gone.
class Worker {
 public:
  Worker(std::unique_ptr<Reconciler> reconciler, ObjectKey key)
      : reconciler_(std::move(reconciler)), key_(std::move(key)) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Worker() {
    reconciler_->stop_soon();
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void wake() {
    {
      std::lock_guard lock(mutex_);
      woken_ = true;
    }
    wake_.notify_all();
  }
  bool finished() const { return finished_; }
  // The MariaDB reconciler, or nullptr for a worker of another kind.
  MariaDBReconciler* mariadb() { return dynamic_cast<MariaDBReconciler*>(reconciler_.get()); }

 private:
  void loop() {
    while (true) {
      std::chrono::milliseconds delay = 1s;
      try {
        delay = reconciler_->reconcile();
      } catch (const std::exception& e) {
        spdlog::error("{}={}/{} reconcile failed: {}", key_.kind, key_.namespace_, key_.name,
                      e.what());
        delay = 5s;
      }
      if (reconciler_->finished()) {
        finished_ = true;
        return;
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, delay, [this] { return stopping_ || woken_; });
      woken_ = false;
      if (stopping_) return;
    }
  }

  std::unique_ptr<Reconciler> reconciler_;
  ObjectKey key_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

std::string worker_name(const ObjectKey& key) {
  return key.kind + "/" + key.namespace_ + "/" + key.name;
}

}  // namespace

std::optional<OperatorInfo> running_operator(const fs::path& home) {
  auto holder = pid_lock_holder(home / "operator.lock");
  if (!holder) return std::nullopt;
  OperatorInfo info;
  info.pid = *holder;
  // operator.json is the holder's only once it has written its own pid there.
  auto text = read_file(home / "operator.json");
  json saved = text ? json::parse(*text, nullptr, false) : json();
  if (saved.is_object() && saved.value("pid", 0) == info.pid) {
    info.ports = {saved.value("portsFrom", 0), saved.value("portsTo", 0)};
    info.started_at = saved.value("startedAt", "");
    info.serving = true;
  }
  return info;
}

Result<bool> run_operator(const OperatorOptions& options, NodeAgent& agent) {
  // Held for the operator's whole life: it is how others know that it runs, and which pid.
  auto lock = take_pid_lock(options.home / "operator.lock");
  if (!lock) {
    auto other = running_operator(options.home);
    return fail("another operator is already running for " + options.home.string() +
                (other ? " (pid " + std::to_string(other->pid) + ")" : ""));
  }

  // Signals are taken synchronously by the main loop, never by a worker thread.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  LocalStore local_store(options.home / "store");
  Store& store = local_store;
  // Made before anything is listed, so that no change falls between a listing and the watch.
  auto watch = store.watch();
  if (!watch) return tl::unexpected(watch.error());
  const ReconcilerContext context{store, agent, options.home};
  std::map<std::string, std::shared_ptr<Worker>> workers;
  std::mutex workers_mutex;

  // A node's exit goes to its MariaDB's reconciler at once (eviction, then a pass).
  agent.watch_exits([&](const NodeExit& exit) {
    std::shared_ptr<Worker> worker;
    {
      std::lock_guard lock(workers_mutex);
      auto it = workers.find(worker_name({"MariaDB", exit.id.namespace_, exit.id.mariadb}));
      if (it != workers.end()) worker = it->second;
    }
    if (!worker || worker->mariadb() == nullptr) return;
    // Eviction talks SQL: outside the lock, so the main loop and other clusters go on.
    worker->mariadb()->on_node_exit(exit);
    worker->wake();
  });

  // Ready was written by an earlier operator about nodes that may have died since (a reboot
  // ends them all). Until a worker has looked again it is not claimed, so that
  // `wait --for=condition=Ready` right after `operator start` does not pass on old news.
  for (const json& object : store.list("MariaDB")) {
    if (!condition_is_true(object, "Ready")) continue;
    const long long generation = object["metadata"].value("generation", 0LL);
    store.update_status(key_of(object), [&](json& status) {
      set_condition(status, "Ready", false, "OperatorStarted",
                    "the operator started and is checking the nodes again", generation);
    });
  }

  json info = {{"pid", getpid()},
               {"portsFrom", options.ports.first},
               {"portsTo", options.ports.last},
               {"startedAt", rfc3339_now()}};
  if (auto written = write_file_atomic(options.home / "operator.json", info.dump() + "\n", 0644);
      !written) {
    agent.watch_exits({});
    return written;
  }
  spdlog::info("operator started pid={} home={} ports={}-{}", getpid(), options.home.string(),
               options.ports.first, options.ports.last);

  // Workers write status all the time; only a user's change (a new generation, a request to
  // run now, a deletion) is worth waking a worker early for. One entry per live worker.
  std::map<std::string, std::string> seen_changes;
  auto start_or_wake = [&](const json& object) {
    ObjectKey key = key_of(object);
    const json& metadata = object["metadata"];
    std::string change =
        std::to_string(metadata.value("generation", 0LL)) + "/" +
        metadata.value("annotations", json::object()).value(kRunNowAnnotation, "") +
        (metadata.contains("deletionTimestamp") ? "/deleting" : "");
    const std::string name = worker_name(key);
    auto worker = workers.find(name);
    if (worker == workers.end()) {
      auto reconciler = make_reconciler(context, key);
      if (!reconciler) return;
      spdlog::info("{} watching", name);
      workers.emplace(name, std::make_shared<Worker>(std::move(reconciler), key));
    } else if (seen_changes[name] != change) {
      worker->second->wake();
    }
    seen_changes[name] = change;
  };

  bool list_all = true;  // the first pass, and whenever the watch may have missed changes
  std::vector<ObjectKey> changed;
  while (true) {
    timespec no_wait{0, 0};
    int signal_number = sigtimedwait(&signals, nullptr, &no_wait);
    if (signal_number == SIGTERM || signal_number == SIGINT) break;
    // A home removed under us (a test's, say) leaves nothing to manage.
    if (!fs::exists(options.home / "operator.lock")) {
      spdlog::warn("operator home {} is gone; stopping", options.home.string());
      break;
    }
    {
      std::lock_guard lock(workers_mutex);
      // A finished worker's object may be back already (deleted and applied again).
      list_all |= std::erase_if(workers, [&](const auto& entry) {
                    if (!entry.second->finished()) return false;
                    seen_changes.erase(entry.first);
                    return true;
                  }) > 0;
      if (list_all) {
        for (const ReconciledKind& kind : reconciled_kinds()) {
          for (const json& object : store.list(kind.kind)) start_or_wake(object);
        }
      } else {
        for (const ObjectKey& key : changed) {
          auto worker = workers.find(worker_name(key));
          auto object = store.get(key);
          if (object) {
            start_or_wake(*object);
          } else if (worker != workers.end() && is_not_found(object.error())) {
            worker->second->wake();  // deleted: its reconciler finishes
          }
        }
      }
    }
    // Short enough that a signal is taken within a second.
    StoreChanges changes = (*watch)->wait(std::chrono::steady_clock::now() + 500ms);
    list_all = changes.resync;
    changed = std::move(changes.keys);
  }

  spdlog::info("operator stopping; nodes keep running");
  agent.watch_exits({});
  {
    std::lock_guard lock(workers_mutex);
    workers.clear();
  }
  std::error_code ec;
  fs::remove(options.home / "operator.json", ec);
  return true;
}

}  // namespace mdbop
