// RFC 9457 problem details: every error the HTTP API returns is one of these, as
// application/problem+json, with a specific type and, where one is to blame, the field.
#pragma once

#include <string>

namespace loket {

struct Problem {
  int status = 400;
  std::string type;   // "urn:loket:problem:<name>"
  std::string title;  // one sentence, the same for every instance of the type
  std::string detail;
  std::string field;            // the offending field or header, or empty
  int retry_after_seconds = 0;  // for 429 and 503
  std::string allow;            // for 405: the methods served at the path (the Allow header)
  std::string location;         // for 307: where to send the request (the Location header)
};

Problem make_problem(int status, std::string_view name, std::string title, std::string detail = {},
                     std::string field = {});

// 503 `busy` and 503 `journal-unavailable`, each with its one title; `detail` says what is
// full or what happened.
Problem busy_problem(std::string detail, int retry_after_seconds);
Problem journal_problem(std::string detail);

// The JSON body. `extra_members` (already JSON, without braces, may be empty) is appended: a
// rejected submission's problem carries its receipt. They must not repeat a member the
// problem has (a key twice is not JSON a strict client accepts).
std::string problem_json(const Problem& problem, std::string_view extra_members = {});

}  // namespace loket
