// Waiting in a test for what another thread does: polled until true or the limit passed.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace mdbop {

// Whether `done` became true within `limit`, asked every 10 ms.
inline bool within(std::chrono::milliseconds limit, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace mdbop
