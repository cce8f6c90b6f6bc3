// TaskPool: threads kept for short jobs run side by side (a look at each node of a cluster,
// every second). Starting and ending a thread per job cost more than the job itself; the
// pool's threads sleep on a condition variable between calls.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mdbop {

class TaskPool {
 public:
  TaskPool() = default;
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Runs every job, each on a thread of its own, and returns once all have finished; then
  // rethrows the first exception a job threw. The pool grows to the largest number of jobs
  // asked for at once. Safe to call from several threads.
  void run_all(const std::vector<std::function<void()>>& jobs);

 private:
  struct Batch;
  struct Task {
    const std::function<void()>* job;
    Batch* batch;
  };
  void loop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> queue_;
  size_t idle_ = 0;  // threads waiting for a task (or started for one)
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mdbop
