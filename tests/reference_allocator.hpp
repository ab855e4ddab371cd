// An independent, deliberately naive allocator for `arrival` tranches with valid submissions:
// linear scans instead of indexes, recomputed sums instead of counters. It shares no code
// with engine/ beyond the output format, so that agreeing with it means something.
#pragma once

#include <string>
#include <vector>

#include "tests/scenario.hpp"

namespace loket::testing {

// Decides the scenario's events; returns the decision lines per event.
std::vector<std::vector<std::string>> reference_decisions(const Scenario& scenario);

}  // namespace loket::testing
