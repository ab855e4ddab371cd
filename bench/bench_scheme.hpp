// The schemes the benchmarks decide for: one tranche open for a year, arrival order, one
// participant one application; places (100 million, never full) or money in two compartments.
#pragma once

#include <string>
#include <string_view>

#include "engine/scheme.hpp"
#include "parse/scheme_toml.hpp"

namespace loket {

inline Scheme bench_scheme(bool money) {
  constexpr std::string_view head = R"(
[scheme]
id = "bench"
name = "Bench"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
ranking = "arrival"
)";
  constexpr std::string_view places = R"(places = 100000000
)";
  constexpr std::string_view money_compartments = R"(budget_cents = 1000000000000
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "small"
share_percent = 20
min_cents = 1000
max_cents = 100000
[[tranche.compartment]]
id = "large"
share_percent = 80
min_cents = 100000
max_cents = 500000
)";
  const std::string text = std::string(head) + std::string(money ? money_compartments : places);
  return parse_scheme(text, "bench").value();
}

}  // namespace loket
