// Bodies of the operator endpoints, strictly parsed into a Job:
//   POST .../close      {"seed":"<hex>"? | "beacon":"<hex>"?}
//   POST .../close-day  {"date":"YYYY-MM-DD","seed":"<hex>"? | "beacon":"<hex>"?}
//   POST .../appeals    {"id":"APP-1","amount_cents":N?,"reference":"..."}
// An empty body counts as {}. Returns the problem, or nothing when the job was filled.
#pragma once

#include <optional>
#include <string_view>

#include "net/pipeline.hpp"
#include "net/problem.hpp"

namespace loket {

std::optional<Problem> read_operator_body(std::string_view body, Job& job);

}  // namespace loket
