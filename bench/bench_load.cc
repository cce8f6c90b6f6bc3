#include "bench_load.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "sql/connection.h"

namespace mdbop::bench {

using namespace std::chrono_literals;

namespace {

constexpr long long kRowsPerChunk = 8192;  // one ~8 MB write set per INSERT ... SELECT

Result<SqlConnection> connect_port(int port, const std::string& password,
                                   std::chrono::seconds timeout) {
  SqlEndpoint endpoint;
  endpoint.port = port;
  endpoint.password = password;
  endpoint.timeout = timeout;
  return SqlConnection::connect(endpoint);
}

}  // namespace

Result<void> load_bench_data(const std::vector<int>& ports, const std::string& password,
                             long long rows, int threads, const std::atomic<bool>& stop) {
  {
    auto connection = connect_port(ports.at(0), password, 30s);
    if (!connection) return fail("cannot connect: " + connection.error().what());
    auto created = connection->execute(
        "CREATE DATABASE IF NOT EXISTS bench; CREATE TABLE IF NOT EXISTS bench.data (id BIGINT "
        "PRIMARY KEY, payload VARBINARY(1024) NOT NULL) ENGINE=InnoDB");
    if (!created) return fail("create bench.data: " + created.error().what());
  }
  const long long chunks = (rows + kRowsPerChunk - 1) / kRowsPerChunk;
  std::atomic<long long> next_chunk{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::string error;
  auto fail_with = [&](const std::string& text) {
    failed = true;
    std::lock_guard lock(error_mutex);
    error = text;
  };
  const auto deadline = std::chrono::steady_clock::now() + 30min;
  std::vector<std::thread> loaders;
  for (int t = 0; t < threads; ++t) {
    loaders.emplace_back([&, t] {
      auto connection = connect_port(ports[static_cast<size_t>(t) % ports.size()], password, 300s);
      if (!connection) return fail_with("loader cannot connect");
      for (long long chunk = next_chunk++; chunk < chunks && !failed; chunk = next_chunk++) {
        if (std::chrono::steady_clock::now() > deadline || stop) {
          return fail_with(stop ? "interrupted" : "the load took more than 30 minutes");
        }
        const long long first = chunk * kRowsPerChunk + 1;
        const long long last = std::min(rows, first + kRowsPerChunk - 1);
        auto done = connection->execute(fmt::format(
            "INSERT INTO bench.data SELECT seq, RANDOM_BYTES({}) FROM bench.seq_{}_to_{}",
            kPayloadBytes, first, last));
        if (!done) return fail_with("load: " + done.error().what());
      }
    });
  }
  for (auto& loader : loaders) loader.join();
  if (failed) return fail(error);
  return {};
}

}  // namespace mdbop::bench
