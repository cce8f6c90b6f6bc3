#include "controller/operator.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <thread>

#include <spdlog/spdlog.h>

#include "api/annotations.h"
#include "controller/conditions.h"
#include "controller/kind_registry.h"
#include "controller/mariadb/reconciler.h"

namespace mdbop {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Runs one object's reconciler on its own thread until the object is gone.
class Worker {
 public:
  Worker(std::unique_ptr<Reconciler> reconciler, ObjectKey key, OperatorStats& stats)
      : reconciler_(std::move(reconciler)), key_(std::move(key)), stats_(stats) {
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
      const auto started = std::chrono::steady_clock::now();
      bool failed = false;
      try {
        delay = reconciler_->reconcile();
      } catch (const std::exception& e) {
        spdlog::error("{}={}/{} reconcile failed: {}", key_.kind, key_.namespace_, key_.name,
                      e.what());
        delay = 5s;
        failed = true;
      }
      stats_.record_pass(key_.kind, std::chrono::steady_clock::now() - started, failed);
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
  OperatorStats& stats_;
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

Result<bool> run_operator(Store& store, NodeAgent& agent, const fs::path& home,
                          OperatorStats& stats, const std::function<void()>& mariadbs_changed,
                          const std::function<bool()>& should_stop) {
  // Made before anything is listed, so that no change falls between a listing and the watch.
  auto watch = store.watch();
  if (!watch) return tl::unexpected(watch.error());
  const ReconcilerContext context{store, agent, home};
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
      // Deleted and cleaned up, held only by another's finalizer: nothing left to do.
      if (metadata.contains("deletionTimestamp") && !has_cleanup_finalizer(object)) return;
      auto reconciler = make_reconciler(context, key);
      if (!reconciler) return;
      spdlog::info("{} watching", name);
      workers.emplace(name, std::make_shared<Worker>(std::move(reconciler), key, stats));
    } else if (seen_changes[name] != change) {
      worker->second->wake();
    }
    seen_changes[name] = change;
  };

  bool list_all = true;  // the first pass, and whenever the watch may have missed changes
  std::vector<ObjectKey> changed;
  while (true) {
    if (should_stop()) break;
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
    if (list_all || std::any_of(changed.begin(), changed.end(),
                                [](const ObjectKey& key) { return key.kind == "MariaDB"; })) {
      mariadbs_changed();
    }
    // Short enough that a request to stop is taken within a second.
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
  return true;
}

}  // namespace mdbop
