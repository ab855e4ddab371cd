#include "net/problem.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

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
