#include "net/problem.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "net/limits.hpp"

namespace loket {

Problem make_problem(int status, std::string_view name, std::string title, std::string detail,
                     std::string field) {
  return Problem{status,
                 fmt::format("urn:loket:problem:{}", name),
                 std::move(title),
                 std::move(detail),
                 std::move(field),
                 0,
                 {},
                 {}};
}

Problem busy_problem(std::string detail, int retry_after_seconds) {
  Problem problem =
      make_problem(503, "busy", "The server is busy; try again shortly", std::move(detail));
  problem.retry_after_seconds = retry_after_seconds;
  return problem;
}

Problem journal_problem(std::string detail) {
  Problem problem =
      make_problem(503, "journal-unavailable", "The journal cannot write", std::move(detail));
  problem.retry_after_seconds = net_limits::journal_unavailable_retry_after_seconds;
  return problem;
}

std::string problem_json(const Problem& problem, std::string_view extra_members) {
  boost::json::object object;
  object["type"] = problem.type;
  object["title"] = problem.title;
  object["status"] = problem.status;
  if (!problem.detail.empty()) object["detail"] = problem.detail;
  if (!problem.field.empty()) object["field"] = problem.field;
  std::string text = boost::json::serialize(object);
  if (!extra_members.empty()) {
    text.pop_back();
    fmt::format_to(std::back_inserter(text), ",{}}}", extra_members);
  }
  return text;
}

}  // namespace loket
