#include "util/task_pool.h"

#include <latch>

namespace mdbop {

TaskPool::~TaskPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void TaskPool::run_all(const std::vector<std::function<void()>>& jobs) {
  std::latch finished(static_cast<std::ptrdiff_t>(jobs.size()));
  {
    std::lock_guard lock(mutex_);
    // Enough threads that no job waits for another (one of them may hang for its timeout).
    const size_t busy = threads_.size() - idle_;
    while (threads_.size() < busy + queue_.size() + jobs.size()) {
      threads_.emplace_back([this] { loop(); });
    }
    for (const auto& job : jobs) {
      queue_.push_back([&job, &finished] {
        job();
        finished.count_down();
      });
    }
  }
  wake_.notify_all();
  finished.wait();
}

void TaskPool::loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    ++idle_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace mdbop
