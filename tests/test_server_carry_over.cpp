// R11 on a live server: the clock closes a window while the window it carries into is open and
// has an application waiting; an operator's early close of the receiver is refused naming the
// open source; the carried budget shows on GET /v1/tranches and survives a restart.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "engine/civil_time.hpp"
#include "tests/http_client.hpp"
#include "tests/server_fixture.hpp"

namespace loket::testing {
namespace {

namespace http = boost::beast::http;

// w1 (EUR 100) closes `switch_at` and carries into w2 (EUR 10), which opens then. w2 is
// all-or-nothing (skip), so an application above EUR 10 waits for carried money.
std::string two_windows(TimestampNs switch_at) {
  return fmt::format(R"(
[scheme]
id = "carry"
name = "Carry"
unique_participant = "tranche"
[[tranche]]
id = "w1"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "{0}"
budget_cents = 10000
ranking = "arrival"
fit = "partial"
spillover = "none"
carry_over_to = "w2"
[[tranche]]
id = "w2"
opens_at = "{0}"
closes_at = "2100-01-01T00:00:00Z"
budget_cents = 1000
ranking = "arrival"
fit = "skip"
spillover = "none"
)",
                     format_rfc3339(switch_at));
}

boost::json::object submit(Client& client, std::string_view tranche, std::string_view id,
                           std::int64_t amount_cents) {
  const Answer answer = client.send(
      http::verb::post, fmt::format("/v1/tranches/{}/submissions", tranche), "portal",
      fmt::format(R"({{"id":"{}","participant":"{}","amount_cents":{}}})", id, id, amount_cents));
  INFO(answer.body);
  REQUIRE(answer.status == 201);
  return answer.json().as_object();
}

boost::json::object tranche(Client& client, std::string_view id) {
  return client.send(http::verb::get, fmt::format("/v1/tranches/{}", id), "auditor")
      .json()
      .as_object();
}

}  // namespace

TEST_CASE("The clock closes a window into an open one that has an application waiting",
          "[process]") {
  TempFolder folder("carry-over-clock");
  // Submissions are stamped by the real clock; the pipeline's own clock stays at the start,
  // so only a journaled submission after switch_at moves the close forward. That makes the
  // order certain however slow the machine: B-1 is decided (and waits) before the clock
  // closes w1, which leaves its whole EUR 100.
  const TimestampNs start = Pipeline::system_clock_now();
  const TimestampNs switch_at = start + 1'000'000'000;
  PipelineLimits limits;
  limits.clock_check_interval = std::chrono::milliseconds(10);
  ServerSetup setup{two_windows(switch_at), [start] { return start; }, limits, {}, nullptr};
  {
    RunningServer server(folder, setup);
    Client client(server.port());
    // An operator cannot close w2 while w1, which carries into it, is open.
    const Answer early = client.send(http::verb::post, "/v1/tranches/w2/close", "operator", "{}");
    CHECK(early.status == 409);
    CHECK(early.problem_type() == "carry-over-source-open");
    CHECK(early.json().as_object().at("detail").as_string().find("\"w1\"") != std::string::npos);

    while (Pipeline::system_clock_now() < switch_at) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // w2 is open; its EUR 10 cannot pay EUR 50, so B-1 waits.
    CHECK(submit(client, "w2", "B-1", 5000).at("outcome") == "waitlisted");
    // The next clock check closes w1: EUR 100 moves to w2 and serves B-1 in the same record.
    // (Polled for up to 30 s, so that a slow machine is only slower, never a failure.)
    boost::json::object receiver;
    for (int attempt = 0; attempt < 3000; ++attempt) {
      receiver = tranche(client, "w2");
      if (receiver.at("carried_in") != 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(receiver.at("carried_in") == 10000);
    CHECK(receiver.at("closed") == false);
    CHECK(receiver.at("pools").as_array().at(0).as_object().at("carried_in") == 10000);
    const boost::json::object source = tranche(client, "w1");
    CHECK(source.at("closed") == true);
    CHECK(source.at("carry_over_to") == "w2");
    CHECK(source.at("carried_out") == 10000);
    const boost::json::object waiting =
        client.send(http::verb::get, "/v1/submissions/B-1", "auditor").json().as_object();
    CHECK(waiting.at("outcome") == "granted");
    CHECK(waiting.at("granted_cents") == 5000);
    // w2 goes on taking registrations with what is left: EUR 10 + 100 - 50 = 60.
    CHECK(submit(client, "w2", "B-2", 2000).at("outcome") == "granted");
    CHECK(submit(client, "w2", "B-3", 4001).at("outcome") == "waitlisted");
    // The gauges are published on the next clock check.
    constexpr std::string_view carried_out_gauge =
        R"(loket_pool_carried_out_units{tranche="w1",compartment="",unit="cents"} 10000)";
    bool published = false;
    for (int attempt = 0; attempt < 3000 && !published; ++attempt) {
      published =
          client.send(http::verb::get, "/metrics", "auditor").body.find(carried_out_gauge) !=
          std::string::npos;
      if (!published) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(published);
  }
  // The journal replays the carry-over exactly: the restarted server shows the same figures.
  RunningServer restarted(folder, setup);
  Client client(restarted.port());
  const boost::json::object receiver = tranche(client, "w2");
  CHECK(receiver.at("carried_in") == 10000);
  CHECK(receiver.at("pools").as_array().at(0).as_object().at("remaining") == 4000);
  CHECK(tranche(client, "w1").at("carried_out") == 10000);
}

}  // namespace loket::testing
