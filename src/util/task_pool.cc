#include "util/task_pool.h"

namespace mdbop {

// One run_all call: its jobs left to finish and the first exception one of them threw.
struct TaskPool::Batch {
  size_t remaining = 0;
  std::exception_ptr failure;
  std::condition_variable finished;
};

TaskPool::~TaskPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void TaskPool::run_all(const std::vector<std::function<void()>>& jobs) {
  Batch batch;
  batch.remaining = jobs.size();
  std::unique_lock lock(mutex_);
  for (const auto& job : jobs) queue_.push_back({&job, &batch});
  // Enough threads that no job waits for another (one of them may hang for its timeout).
  while (idle_ < queue_.size()) {
    threads_.emplace_back([this] { loop(); });
    ++idle_;  // counted from its start, so that the next job does not start another
  }
  wake_.notify_all();
  // Signalled under the mutex, so `batch` outlives every use the workers make of it.
  batch.finished.wait(lock, [&] { return batch.remaining == 0; });
  if (batch.failure) std::rethrow_exception(batch.failure);
}

void TaskPool::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    Task task = queue_.front();
    queue_.pop_front();
    --idle_;
    lock.unlock();
    std::exception_ptr failure;
    try {
      (*task.job)();
    } catch (...) {
      failure = std::current_exception();
    }
    lock.lock();
    ++idle_;
    if (failure && !task.batch->failure) task.batch->failure = failure;
    if (--task.batch->remaining == 0) task.batch->finished.notify_all();
  }
}

}  // namespace mdbop
