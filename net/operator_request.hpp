// Bodies of the operator endpoints, strictly parsed into a typed request (net/job.hpp):
//   POST .../close      {"seed":"<hex>"? | "beacon":"<hex>"?}
//   POST .../close-day  {"date":"YYYY-MM-DD","seed":"<hex>"? | "beacon":"<hex>"?}
//   POST .../appeals    {"id":"APP-1","amount_cents":N?,"reference":"..."}
// An empty body counts as {}.
#pragma once

#include <string_view>
#include <variant>

#include "net/job.hpp"
#include "net/problem.hpp"
#include "net/routes.hpp"

namespace loket {

// endpoint: close, close_day or appeal. Returns a CloseRequest or an AppealRequest.
std::variant<JobRequest, Problem> read_operator_body(Endpoint endpoint, std::string_view tranche_id,
                                                     std::string_view body);

}  // namespace loket
