// Every refusal as the HTTP API answers it: its status, and one title per problem type
// (RFC 9457 3.1.3), whichever layer refused.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>

#include "net/job.hpp"
#include "net/problem.hpp"
#include "net/replies.hpp"

namespace loket {
namespace {

Reply declined(std::variant<Refusal, SeedRefusal, JobRefusal> why) {
  return render_reply(JobOutcome{Declined{why, "the disk is full"}, nullptr, 0, false});
}

}  // namespace

TEST_CASE("Every refusal has its status and one title per problem type") {
  std::map<std::string, std::string> title_of_type;
  std::map<std::string, int> status_of_type;
  const auto record = [&](const Reply& reply) {
    REQUIRE(reply.problem);
    const boost::json::object body = boost::json::parse(reply.body).as_object();
    const std::string type(body.at("type").as_string());
    const std::string title(body.at("title").as_string());
    INFO(type << ": " << title);
    CHECK(body.at("status").as_int64() == reply.status);
    const auto [known, first] = title_of_type.emplace(type, title);
    CHECK(known->second == title);
    // Every 503 says when to come back; nothing else needs to.
    CHECK((reply.status == 503) == (reply.retry_after_seconds > 0));
    status_of_type[type] = reply.status;
  };
  for (std::size_t refusal = 1; refusal < refusal_count; ++refusal) {
    record(declined(static_cast<Refusal>(refusal)));
  }
  for (const JobRefusal refusal : {JobRefusal::journal_unavailable, JobRefusal::journal_failed,
                                   JobRefusal::idempotency_key_reused,
                                   JobRefusal::unknown_application, JobRefusal::unknown_tranche}) {
    record(declined(refusal));
  }
  record(problem_reply(busy_problem("too many requests are waiting", 1)));
  record(problem_reply(busy_problem("too many exports are running: at most 2 at once", 10)));
  record(problem_reply(journal_problem("it is being reopened")));

  CHECK(status_of_type.at("urn:loket:problem:unknown-tranche") == 404);
  CHECK(status_of_type.at("urn:loket:problem:unknown-application") == 404);
  CHECK(status_of_type.at("urn:loket:problem:tranche-closed") == 409);
  // No retry helps while the journal is in use: not a 503.
  CHECK(status_of_type.at("urn:loket:problem:capacity-exhausted") == 507);
  CHECK(status_of_type.at("urn:loket:problem:journal-unavailable") == 503);
  CHECK(status_of_type.at("urn:loket:problem:busy") == 503);
}

}  // namespace loket
