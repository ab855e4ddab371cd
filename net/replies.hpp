// What the pipeline's jobs end in, and how it is written as HTTP. The allocator thread only
// hands over typed outcomes; the JSON and the status codes are made here, on the I/O threads.
#pragma once

#include <string>
#include <string_view>

#include "net/job.hpp"
#include "net/problem.hpp"

namespace loket {

struct Reply {
  int status = 200;
  std::string body;      // JSON
  bool problem = false;  // application/problem+json
  int retry_after_seconds = 0;
  std::string location;                // the Location header, when not empty
  std::string_view content_type = {};  // empty: JSON, or a problem's
  bool idempotent_replay = false;      // sent as Idempotent-Replayed: true
};

// A problem as a reply (application/problem+json, with Retry-After when it says so).
Reply problem_reply(const Problem& problem, std::string_view extra_members = {});

// A write sent to a cluster's follower: 307 to the leader's URL with the same target, or, when
// no leader is known (an election), 503 and a Retry-After. A URL that could not be a header
// value (it came from etcd) counts as none.
Problem not_leader_problem(std::string_view leader_url, std::string_view target);

// The answer to a job, on the I/O thread that sends it.
Reply render_reply(const JobOutcome& outcome);

}  // namespace loket
