// What the pipeline's jobs end in, and how it is written as HTTP. The allocator thread only
// hands over typed outcomes; the JSON and the status codes are made here, on the I/O threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/accepted.hpp"
#include "engine/allocator.hpp"
#include "net/problem.hpp"

namespace loket {

struct Reply {
  int status = 200;
  std::string body;      // JSON
  bool problem = false;  // application/problem+json
  int retry_after_seconds = 0;
};

// A problem as a reply (application/problem+json, with Retry-After when it says so).
Reply problem_reply(const Problem& problem, std::string_view extra_members = {});

// A submission's state as a query found it (GET /v1/submissions/{id}).
struct ApplicationView {
  std::string application_id;
  ApplicationStatus status;  // its application_id is not used: it points into the allocator
};

// A tranche's state as a query found it (GET /v1/tranches/{id}).
struct TrancheView {
  std::size_t tranche_index = 0;
  TrancheStatus status;  // its pools' compartment ids are not used: they point into the allocator
};

struct JobOutcome {
  // A refusal or any other problem; an accepted command (a receipt, an operator's answer);
  // a query's answer.
  std::variant<Problem, std::shared_ptr<const Accepted>, ApplicationView, TrancheView> result;
  // Names the tranches and compartments the outcome refers to by index.
  std::shared_ptr<const Scheme> scheme;
  std::uint64_t as_of_sequence = 0;  // a query's: what it reflects
};

// The problem for an operator command or query the engine refused.
Problem refusal_problem(Refusal refusal);

Reply render_reply(const JobOutcome& outcome);

}  // namespace loket
