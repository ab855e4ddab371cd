// An independent, deliberately naive allocator for valid submissions to `arrival` and
// `window_lottery` tranches, with spillover (R7) and carry-over between windows (R11):
// linear scans instead of indexes, recomputed sums instead of counters. It shares no code
// with engine/ beyond the output format and the SHA-256 primitive, so that agreeing with it
// means something.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/scenario.hpp"

namespace loket::testing {

// Decides the scenario's events; returns the decision lines per event, or nothing for an
// event the rules refuse (closing a receiver while a source is still open).
std::vector<std::optional<std::vector<std::string>>> reference_decisions(const Scenario& scenario);

}  // namespace loket::testing
