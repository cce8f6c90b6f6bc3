// The bulk data the benches load: bench.data (id BIGINT PRIMARY KEY, payload VARBINARY(1024)),
// one row of kPayloadBytes random bytes per KiB asked for. Shared by mdbop_galera_bench and
// mdbop_pitr_bench.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "util/result.h"

namespace mdbop::bench {

inline constexpr long long kPayloadBytes = 1000;  // per row, plus ~24 bytes of key and row overhead

// Creates bench.data and loads rows 1 to `rows` into it with INSERT ... SELECT from the Sequence
// engine (nothing crosses the connection per row), in ~8 MB write sets, from `threads` sessions
// spread over the nodes at `ports`. Fails when a statement fails, when `stop` is set or after 30
// minutes.
Result<void> load_bench_data(const std::vector<int>& ports, const std::string& password,
                             long long rows, int threads, const std::atomic<bool>& stop);

}  // namespace mdbop::bench
