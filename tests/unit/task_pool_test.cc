#include "util/task_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <set>
#include <stdexcept>
#include <thread>

namespace mdbop {
namespace {

TEST(TaskPool, RunsEveryJobSideBySideAndReturnsWhenAllAreDone) {
  TaskPool pool;
  // Each job waits for all the others: they only finish if they run at the same time.
  std::barrier together(3);
  std::atomic<int> done{0};
  std::mutex ids_mutex;
  std::set<std::thread::id> ids;
  std::vector<std::function<void()>> jobs(3, [&] {
    together.arrive_and_wait();
    {
      std::lock_guard lock(ids_mutex);
      ids.insert(std::this_thread::get_id());
    }
    ++done;
  });
  pool.run_all(jobs);
  EXPECT_EQ(done, 3);
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_FALSE(ids.contains(std::this_thread::get_id()));
}

TEST(TaskPool, KeepsItsThreadsForTheNextCall) {
  TaskPool pool;
  std::mutex ids_mutex;
  std::set<std::thread::id> first;
  std::set<std::thread::id> second;
  auto record = [&](std::set<std::thread::id>& into) {
    std::barrier together(2);
    std::vector<std::function<void()>> jobs(2, [&] {
      together.arrive_and_wait();
      std::lock_guard lock(ids_mutex);
      into.insert(std::this_thread::get_id());
    });
    pool.run_all(jobs);
  };
  record(first);
  record(second);
  EXPECT_EQ(first, second);
}

TEST(TaskPool, CallsFromSeveralThreadsDoNotWaitForEachOthersJobs) {
  TaskPool pool;
  // The first caller's job blocks until the second caller's job has run.
  std::atomic<bool> second_ran{false};
  std::thread first([&] {
    pool.run_all({[&] {
      while (!second_ran) std::this_thread::yield();
    }});
  });
  pool.run_all({[&] { second_ran = true; }});
  first.join();
  EXPECT_TRUE(second_ran);
}

TEST(TaskPool, AJobsExceptionReachesTheCallerAfterEveryJobHasFinished) {
  TaskPool pool;
  std::atomic<int> finished{0};
  std::barrier together(2);
  EXPECT_THROW(pool.run_all({[&] {
                               together.arrive_and_wait();
                               throw std::runtime_error("bad layout");
                             },
                             [&] {
                               together.arrive_and_wait();
                               ++finished;
                             }}),
               std::runtime_error);
  EXPECT_EQ(finished, 1);
  // The pool is still usable.
  pool.run_all({[&] { ++finished; }});
  EXPECT_EQ(finished, 2);
}

TEST(TaskPool, NoJobsReturnsAtOnce) {
  TaskPool pool;
  pool.run_all({});
  SUCCEED();
}

}  // namespace
}  // namespace mdbop
