// The simulation's workload: a random scheme (tests/scenario.hpp) and a seeded stream of
// events against it that keeps to no happy path: ids, participants and amounts at every
// edge, malformed fields, retries, lottery days, early closes, appeals, and now and then a
// crowd of hundreds of thousands waiting for one draw. The same seed and options always give
// the same workload.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/scenario.hpp"

namespace loket::testing {

// Bugs that are known and being fixed elsewhere. While one is open the generator steers
// around it (so that a run stays green and finds what is new); turned off, the simulation
// must find it.
enum class KnownBug : std::uint8_t {
  id_64_bytes,         // an application id of exactly 64 bytes aborts (engine/id_arena.hpp)
  close_record_limit,  // a close deciding too many pending ones exceeds a record's 16 MiB
  csv_int64_min,       // an amount of INT64_MIN aborts the CSV export (storage/csv.cpp)
  repeated_appeal,     // the same appeal sent twice is granted twice (R9)
  export_line_limit,   // an event line near 64 KiB exports longer than `loket allocate` reads
};
inline constexpr std::array<std::string_view, 5> known_bug_names = {
    "id64", "close_record_limit", "csv_int64_min", "repeated_appeal", "export_line_limit"};
std::optional<KnownBug> known_bug_from_name(std::string_view name);

struct WorkloadOptions {
  std::size_t events_max = 2'000;
  std::size_t pending_max = 2'000;  // the largest crowd waiting for one lottery draw
  std::bitset<known_bug_names.size()> avoid;
  bool avoids(KnownBug bug) const { return avoid.test(static_cast<std::size_t>(bug)); }
};

struct WorkloadEvent {
  std::string json;  // an event without "seq" (the runner numbers it), or a bad line
  // The line is broken beyond a submission's own fields (not JSON, an unknown key, a string
  // over its limit): the event parser must refuse it and nothing may change.
  bool bad_line = false;
};

struct Workload {
  Scenario scenario;  // its scheme; its own events are not used
  std::vector<WorkloadEvent> events;
  std::size_t crowd = 0;  // submissions of the crowd, if there was one
};

Workload generate_workload(std::uint64_t seed, const WorkloadOptions& options);

}  // namespace loket::testing
