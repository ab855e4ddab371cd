// The server on loopback: concurrent clients, arrival order, durable receipts, and the
// server's journal replayed offline giving exactly the server's decisions.
#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "app/export_command.hpp"
#include "core/recovery.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "net/limits.hpp"
#include "net/server.hpp"
#include "testing/fault_injection.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/server_fixture.hpp"

using namespace loket;
using namespace loket::testing;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {}  // namespace

TEST_CASE(
    "Concurrent registrations: arrival order, none over the cap, the server is the offline "
    "engine",
    "[process]") {
  TempFolder folder("serve");
  constexpr int clients = 16;
  constexpr int per_client = 150;
  std::mutex receipts_mutex;                      // test bookkeeping only
  std::map<std::uint64_t, std::string> receipts;  // seq -> "outcome/reason"
  std::vector<std::string> unexpected;
  std::map<std::string, std::string> served_exports;
  {
    RunningServer server(folder);
    std::vector<std::thread> threads;
    for (int client = 0; client < clients; ++client) {
      threads.emplace_back([&, client] {
        Client connection(server.port());
        for (int index = 0; index < per_client; ++index) {
          // Every tenth registration repeats the participant of the one before it.
          const int person = index % 10 == 9 ? index - 1 : index;
          const Answer answer =
              connection.send(http::verb::post, "/v1/tranches/t2/submissions", "portal",
                              fmt::format(R"({{"id":"C{}-{}","participant":"person-{}-{}"}})",
                                          client, index, client, person));
          // Catch2's assertions are not thread-safe: record here, assert after the join.
          const std::lock_guard lock(receipts_mutex);
          if (answer.status != 201) {
            unexpected.push_back(fmt::format("{} {}", answer.status, answer.body));
            continue;
          }
          const auto receipt = answer.json().as_object();
          const std::string reason =
              receipt.at("reason").is_null() ? "" : std::string(receipt.at("reason").as_string());
          const bool inserted =
              receipts
                  .emplace(receipt.at("seq").to_number<std::uint64_t>(),
                           fmt::format("{}/{}", std::string_view(receipt.at("outcome").as_string()),
                                       reason))
                  .second;
          if (!inserted) unexpected.push_back("a sequence number twice");
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    CHECK(unexpected.empty());
    CHECK(server.pipeline().durable_sequence() == clients * per_client);
    // The auditor's export over HTTP, while the server runs; compared below with the
    // offline export of the same journal.
    Client auditor(server.port());
    for (const char* name : {"events.jsonl", "decisions.jsonl", "decisions.csv", "events.csv",
                             "decisions.csv?dialect=excel-nl", "events.csv?dialect=excel-nl"}) {
      const Answer exported =
          auditor.send(http::verb::get, fmt::format("/v1/export/{}", name), "auditor");
      CHECK(exported.status == 200);
      CHECK(exported.headers["Loket-Through-Sequence"] == std::to_string(clients * per_client));
      served_exports[name] = exported.body;
    }
    CHECK(auditor.send(http::verb::get, "/v1/export/events.csv?dialect=excel-nl", "auditor")
              .content_type == "text/csv; charset=utf-8");
    const Answer jsonl_dialect =
        auditor.send(http::verb::get, "/v1/export/events.jsonl?dialect=excel-nl", "auditor");
    CHECK(jsonl_dialect.status == 400);
    CHECK(jsonl_dialect.problem_type() == "invalid-dialect");
    CHECK(jsonl_dialect.json().at("field") == "dialect");
    CHECK(auditor.send(http::verb::get, "/v1/export/events.jsonl", "portal").status == 403);
  }
  // Sequence numbers are dense, and the granted ones are the first 1,000 that were neither
  // duplicates nor late: every grant comes before every tranche_full.
  REQUIRE(receipts.size() == clients * per_client);
  CHECK(receipts.begin()->first == 1);
  CHECK(receipts.rbegin()->first == clients * per_client);
  std::uint64_t granted = 0;
  std::uint64_t last_granted = 0;
  std::uint64_t first_full = UINT64_MAX;
  for (const auto& [sequence, decision] : receipts) {
    if (decision == "granted/") {
      ++granted;
      last_granted = sequence;
    }
    if (decision == "rejected/tranche_full") first_full = std::min(first_full, sequence);
  }
  CHECK(granted == 1000);
  CHECK(last_granted < first_full);

  // The journal holds every receipt, and deciding its events offline gives the same bytes.
  const std::string events = folder.path("events.jsonl");
  const std::string decisions = folder.path("decisions.jsonl");
  std::FILE* errors = std::tmpfile();
  REQUIRE(run_export(ExportOptions{folder.path("journal"), "events", "jsonl", events}, errors) ==
          0);
  REQUIRE(run_export(ExportOptions{folder.path("journal"), "decisions", "jsonl", decisions},
                     errors) == 0);
  const std::string decisions_csv = folder.path("decisions.csv");
  const std::string events_csv = folder.path("events.csv");
  REQUIRE(run_export(ExportOptions{folder.path("journal"), "decisions", "csv", decisions_csv},
                     errors) == 0);
  REQUIRE(run_export(ExportOptions{folder.path("journal"), "events", "csv", events_csv}, errors) ==
          0);
  // The excel-nl dialect: the same bytes from the server as from `loket export --dialect`.
  for (const std::string what : {"decisions", "events"}) {
    const std::string excel_nl = folder.path(what + ".excel-nl.csv");
    REQUIRE(run_export(ExportOptions{folder.path("journal"), what, "csv", excel_nl, "excel-nl"},
                       errors) == 0);
    CHECK(served_exports[what + ".csv?dialect=excel-nl"] == read_text(excel_nl));
  }
  std::fclose(errors);
  CHECK(served_exports["events.jsonl"] == read_text(events));
  CHECK(served_exports["decisions.jsonl"] == read_text(decisions));
  CHECK(served_exports["decisions.csv"] == read_text(decisions_csv));
  CHECK(served_exports["events.csv"] == read_text(events_csv));
  CHECK(served_exports["events.csv"].size() > net_limits::export_chunk_bytes);  // chunks
  const std::string scheme = folder.write("scheme.toml", places_scheme);
  const std::string offline = allocate_into(scheme, events, folder.path("offline-journal"));
  CHECK(offline == read_text(decisions));
  std::size_t lines = 0;
  for (std::size_t start = 0; start < offline.size(); ++lines) {
    const std::size_t end = offline.find('\n', start);
    const auto decision =
        boost::json::parse(std::string_view(offline).substr(start, end - start)).as_object();
    const std::string reason =
        decision.at("reason").is_null() ? "" : std::string(decision.at("reason").as_string());
    REQUIRE(receipts.at(decision.at("seq").to_number<std::uint64_t>()) ==
            fmt::format("{}/{}", std::string_view(decision.at("outcome").as_string()), reason));
    start = end + 1;
  }
  CHECK(lines == receipts.size());
}

TEST_CASE("Every kind of bad request gets its specific problem, and nothing is journaled for it",
          "[process]") {
  TempFolder folder("serve-bad");
  RunningServer server(folder);
  Client client(server.port());
  const auto problem_type = [](const Answer& answer) {
    REQUIRE(answer.content_type == "application/problem+json");
    return std::string(answer.json().as_object().at("type").as_string());
  };
  const std::string submissions = "/v1/tranches/t2/submissions";
  CHECK(problem_type(client.send(http::verb::post, submissions, "", R"({"participant":"a"})")) ==
        "urn:loket:problem:unauthorized");
  CHECK(problem_type(client.send(http::verb::post, submissions, "wrong",
                                 R"({"participant":"a"})")) == "urn:loket:problem:unauthorized");
  CHECK(problem_type(client.send(http::verb::post, submissions, "auditor",
                                 R"({"participant":"a"})")) == "urn:loket:problem:forbidden");
  CHECK(problem_type(client.send(http::verb::post, "/v1/nothing", "portal", "{}")) ==
        "urn:loket:problem:not-found");
  const Answer wrong_method = client.send(http::verb::get, submissions, "portal");
  CHECK(problem_type(wrong_method) == "urn:loket:problem:method-not-allowed");
  CHECK(wrong_method.headers[http::field::allow] == "POST");
  CHECK(client.send(http::verb::delete_, "/metrics", "operator").headers[http::field::allow] ==
        "GET, HEAD");
  for (const std::string_view token : {"", "wrong"}) {
    CHECK(client.send(http::verb::get, "/v1/tranches/t2", token)
              .headers[http::field::www_authenticate] == "Bearer realm=\"loket\"");
  }
  CHECK(problem_type(client.send(http::verb::post, submissions, "portal", R"({"participant":"a"})",
                                 "text/plain")) == "urn:loket:problem:unsupported-media-type");
  CHECK(problem_type(client.send(http::verb::post, submissions, "portal",
                                 R"({"participant":"a","participant":"b"})")) ==
        "urn:loket:problem:invalid-json");
  CHECK(problem_type(client.send(http::verb::post, submissions, "portal",
                                 R"({"participant":"a","amount":1})")) ==
        "urn:loket:problem:unknown-field");
  CHECK(server.pipeline().durable_sequence() == 0);  // none of these was journaled

  const Answer invalid =
      client.send(http::verb::post, submissions, "portal", R"({"id":"A-1","participant":7})");
  CHECK(invalid.status == 422);
  CHECK(problem_type(invalid) == "urn:loket:problem:invalid-submission");
  CHECK(invalid.json().as_object().at("field") == "participant");
  CHECK(invalid.json().as_object().at("seq") == 1);  // it has a durable receipt
  CHECK(client.send(http::verb::post, submissions, "portal", R"({"id":"A-1","participant":"b"})")
            .status == 409);
  CHECK(client.send(http::verb::get, "/v1/submissions/A-1", "auditor")
            .json()
            .as_object()
            .at("reason") == "invalid");
  CHECK(client.send(http::verb::get, "/healthz", "").status == 200);
  CHECK(client.send(http::verb::get, "/readyz", "").status == 200);
  const Answer metrics = client.send(http::verb::get, "/metrics", "operator");
  CHECK(metrics.body.find("loket_submissions_total{outcome=\"rejected\"} 1") != std::string::npos);
  CHECK(metrics.body.find("loket_ack_latency_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
  // A body over the limit closes the exchange with 413.
  Client large(server.port());
  const Answer too_large = large.send(http::verb::post, submissions, "portal",
                                      std::string(20'000, ' ') + R"({"participant":"a"})");
  CHECK(too_large.status == 413);
}

// A submission as raw bytes, for what Client::send does not vary.
std::string raw_submission(std::string_view headers, std::string_view body) {
  return fmt::format(
      "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\n{}Content-Length: {}\r\n\r\n{}",
      headers, body.size(), body);
}

TEST_CASE("The Bearer scheme and the JSON media type are matched in any letter case", "[process]") {
  TempFolder folder("letter-case");
  RunningServer server(folder);
  Client client(server.port());
  const auto status = [&](std::string_view authorization, std::string_view content_type,
                          std::string_view participant) {
    const auto answer = client.send_raw(raw_submission(
        fmt::format("Authorization: {}\r\nContent-Type: {}\r\n", authorization, content_type),
        fmt::format(R"({{"participant":"{}"}})", participant)));
    return answer ? answer->status : 0U;
  };
  CHECK(status("bearer portal", "application/json", "a") == 201);
  CHECK(status("BEARER portal", "application/json", "b") == 201);
  CHECK(status("Bearer portal", "Application/JSON", "c") == 201);
  CHECK(status("Bearer portal", "application/json; charset=utf-8", "d") == 201);
  CHECK(status("Bearer portal", "application/json; charset=UTF-8", "e") == 201);
  CHECK(status("Bearer portal", "application/json; charset=latin1", "f") == 415);
  CHECK(status("Bearer portal", "application/jsonx", "g") == 415);
  CHECK(status("Basic portal", "application/json", "h") == 401);
  CHECK(server.pipeline().durable_sequence() == 5);
}

TEST_CASE("Expect: 100-continue gets 100 Continue, or a final answer without reading the body",
          "[process]") {
  TempFolder folder("expect");
  RunningServer server(folder);
  const std::string body = R"({"participant":"expecting"})";
  const auto header = [&](std::string_view token, std::string_view expectation) {
    return fmt::format(
        "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        "{}\r\nContent-Type: application/json\r\nExpect: {}\r\nContent-Length: {}\r\n\r\n",
        token, expectation, body.size());
  };
  Client client(server.port());
  const auto interim = client.send_raw(header("portal", "100-continue"));
  REQUIRE(interim);
  CHECK(interim->status == 100);
  const auto created = client.send_raw(body);
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(client.send(http::verb::get, "/healthz", "").status == 200);  // still kept alive

  // Refused on the header: answered at once, the body never read, the connection closed.
  for (const auto& [token, expected] : {std::pair{"wrong", 401U}, std::pair{"auditor", 403U}}) {
    INFO(token);
    Client refused(server.port());
    const auto answer = refused.send_raw(header(token, "100-continue"));
    REQUIRE(answer);
    CHECK(answer->status == expected);
    CHECK(refused.closed_by_server(std::chrono::seconds(60)));
  }
  Client unknown(server.port());
  const auto failed = unknown.send_raw(header("portal", "something-else") + body);
  REQUIRE(failed);
  CHECK(failed->status == 417);
  CHECK(failed->problem_type() == "expectation-failed");
  CHECK(unknown.closed_by_server(std::chrono::seconds(60)));
  CHECK(server.pipeline().durable_sequence() == 1);
}

// The lines of the Prometheus text: every sample belongs to a family announced before it by
// both # HELP and # TYPE. Returns what is wrong, one line each.
std::vector<std::string> metrics_structure_problems(std::string_view text) {
  std::vector<std::string> problems;
  std::map<std::string, std::string> family_type;
  std::set<std::string> helped;
  const auto family_of = [&](std::string name) {
    for (const std::string_view suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix)) {
        const std::string base = name.substr(0, name.size() - suffix.size());
        if (family_type.count(base) && family_type[base] == "histogram") return base;
      }
    }
    return name;
  };
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      problems.push_back("the last line has no newline");
      break;
    }
    const std::string line(text.substr(start, end - start));
    start = end + 1;
    std::istringstream words(line);
    std::string first, second, third;
    words >> first >> second >> third;
    if (first == "#" && second == "HELP") {
      helped.insert(third);
    } else if (first == "#" && second == "TYPE") {
      if (family_type.count(third)) problems.push_back("TYPE twice: " + third);
      family_type[third] = line.substr(line.rfind(' ') + 1);
    } else {
      const std::string name = family_of(line.substr(0, line.find_first_of("{ ")));
      if (!family_type.count(name)) problems.push_back("no # TYPE before: " + line);
      if (!helped.count(name)) problems.push_back("no # HELP before: " + line);
    }
  }
  for (const auto& [name, type] : family_type) {
    if (!helped.count(name)) problems.push_back("no # HELP for " + name);
  }
  return problems;
}

TEST_CASE("/metrics is Prometheus text 0.0.4: its content type, and HELP and TYPE per family",
          "[process]") {
  TempFolder folder("metrics");
  RunningServer server(folder);
  Client client(server.port());
  REQUIRE(
      client
          .send(http::verb::post, "/v1/tranches/t2/submissions", "portal", R"({"participant":"a"})")
          .status == 201);
  const Answer metrics = client.send(http::verb::get, "/metrics", "operator");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.content_type == "text/plain; version=0.0.4; charset=utf-8");
  INFO(metrics.body);
  for (const std::string& problem : metrics_structure_problems(metrics.body)) FAIL_CHECK(problem);
  CHECK(metrics_structure_problems("x 1\n").size() == 2);  // the check itself finds a gap
  // The tranche gauges, published on the allocator thread's next clock check, agree with
  // GET /v1/tranches/t2.
  std::string gauges;
  poll_until([&] {
    gauges = client.send(http::verb::get, "/metrics", "operator").body;
    return gauges.find("loket_tranches_as_of_sequence 1\n") != std::string::npos;
  });
  const boost::json::value tranche =
      client.send(http::verb::get, "/v1/tranches/t2", "auditor").json();
  const auto& pool = tranche.at("pools").at(0);
  CHECK_THAT(gauges,
             Catch::Contains(R"(loket_tranche_applications{tranche="t2",outcome="granted"} 1)"));
  CHECK_THAT(gauges,
             Catch::Contains(fmt::format(
                 R"(loket_pool_remaining_units{{tranche="t2",compartment="",unit="places"}} {})",
                 pool.at("remaining").to_number<std::int64_t>())));
  CHECK_THAT(gauges,
             Catch::Contains(fmt::format(
                 R"(loket_pool_capacity_units{{tranche="t2",compartment="",unit="places"}} {})",
                 pool.at("capacity").to_number<std::int64_t>())));
  CHECK_THAT(gauges, Catch::Contains(R"(loket_tranche_closed{tranche="t2"} 0)"));
  // Prometheus' own checker, where it is installed (Debian: the prometheus package). The
  // structural check above runs either way.
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    const std::string file = folder.write("metrics.txt", metrics.body);
    const std::string report = folder.path("promtool.txt");
    const int status =
        std::system(fmt::format("promtool check metrics < '{}' > '{}' 2>&1", file, report).c_str());
    INFO("promtool check metrics: " << read_text(report));
    CHECK(status == 0);
  } else {
    WARN("promtool is not installed: only the structural check of /metrics ran");
  }
}

TEST_CASE(
    "An Idempotency-Key retry gets the same receipt, also after a restart, and no second record",
    "[process]") {
  TempFolder folder("idempotent");
  const std::string submissions = "/v1/tranches/t2/submissions";
  const std::string body = R"({"participant":"anna"})";
  std::string first_receipt;
  {
    RunningServer server(folder);
    Client client(server.port());
    const Answer first =
        client.send(http::verb::post, submissions, "portal", body, "application/json", "key-1");
    REQUIRE(first.status == 201);
    first_receipt = first.body;
    const std::string id(first.json().at("id").as_string());
    CHECK(first.headers[http::field::location] == "/v1/submissions/" + id);
    CHECK(first.headers.count("Idempotent-Replayed") == 0);  // a first answer
    const Answer retry =
        client.send(http::verb::post, submissions, "portal", body, "application/json", "key-1");
    CHECK(retry.status == 201);
    CHECK(retry.body == first_receipt);
    CHECK(retry.headers["Idempotent-Replayed"] == "true");
    CHECK(retry.headers[http::field::location] == "/v1/submissions/" + id);
    const Answer other = client.send(http::verb::post, submissions, "portal",
                                     R"({"participant":"bert"})", "application/json", "key-1");
    CHECK(other.status == 422);
    CHECK(other.json().as_object().at("type") == "urn:loket:problem:idempotency-key-reused");
    const Answer bad =
        client.send(http::verb::post, submissions, "portal", body, "application/json", "a key");
    CHECK(bad.status == 400);
    CHECK(bad.json().as_object().at("field") == "Idempotency-Key");
    CHECK(server.pipeline().durable_sequence() == 1);
  }
  RunningServer restarted(folder);
  Client client(restarted.port());
  const Answer after_restart =
      client.send(http::verb::post, submissions, "portal", body, "application/json", "key-1");
  CHECK(after_restart.status == 201);
  CHECK(after_restart.body == first_receipt);
  CHECK(after_restart.headers["Idempotent-Replayed"] == "true");
  CHECK(restarted.pipeline().durable_sequence() == 1);
  // Without the key, the same body is a new submission (a duplicate participant here).
  const Answer without = client.send(http::verb::post, submissions, "portal", body);
  CHECK(without.json().as_object().at("seq") == 2);
  CHECK(without.json().as_object().at("reason") == "duplicate_participant");
}

TEST_CASE("A submission to a tranche the scheme does not have is 404 and journaled nowhere",
          "[process]") {
  TempFolder folder("unknown-tranche");
  RunningServer server(folder);
  Client client(server.port());
  const std::string tranche_max(limits::application_id_bytes_max, 'u');  // the router's
  for (const std::string& tranche :
       {std::string("nope"), std::string("T2"), tranche_max, tranche_max + "u"}) {
    INFO(tranche);
    const Answer answer =
        client.send(http::verb::post, "/v1/tranches/" + tranche + "/submissions", "portal",
                    R"({"id":"U-1","participant":"anna"})", "application/json", "key-u");
    CHECK(answer.status == 404);
    // A name longer than any tranche id is refused by the router, before the writer.
    CHECK(answer.problem_type() ==
          (tranche.size() > limits::application_id_bytes_max ? "not-found" : "unknown-tranche"));
    CHECK(client.send(http::verb::get, "/v1/tranches/" + tranche, "auditor").status == 404);
  }
  CHECK(server.pipeline().durable_sequence() == 0);
  CHECK(client.send(http::verb::get, "/v1/submissions/U-1", "portal").status == 404);
  // The key was not used up: the same key and body to a real tranche is a first answer.
  const Answer real =
      client.send(http::verb::post, "/v1/tranches/t2/submissions", "portal",
                  R"({"id":"U-1","participant":"anna"})", "application/json", "key-u");
  CHECK(real.status == 201);
  CHECK(real.headers.count("Idempotent-Replayed") == 0);
  CHECK(server.pipeline().durable_sequence() == 1);
}

TEST_CASE("The server closes windows and lottery days on its own clock", "[process]") {
  TempFolder folder("clock");
  const TimestampNs start = Pipeline::system_clock_now();
  const std::string scheme = fmt::format(R"(
[scheme]
id = "clock"
name = "Clock"
unique_participant = "tranche"
[[tranche]]
id = "w"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "{}"
places = 2
ranking = "window_lottery"
[[tranche]]
id = "d"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 10
ranking = "same_day_lottery"
)",
                                         format_rfc3339(start + 60 * nanoseconds_per_second));
  std::atomic<TimestampNs> fake_now{start};
  PipelineLimits limits;
  limits.clock_check_interval = std::chrono::milliseconds(10);
  RunningServer server(folder, {scheme, [&] { return fake_now.load(); }, limits, {}, nullptr});
  Client client(server.port());
  for (int index = 0; index < 3; ++index) {
    CHECK(client
              .send(http::verb::post, "/v1/tranches/w/submissions", "portal",
                    fmt::format(R"({{"participant":"w{}"}})", index))
              .json()
              .as_object()
              .at("outcome") == "pending");
  }
  CHECK(
      client
          .send(http::verb::post, "/v1/tranches/d/submissions", "portal", R"({"participant":"d0"})")
          .json()
          .as_object()
          .at("outcome") == "pending");
  // Nothing closes before its time.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(client.send(http::verb::get, "/v1/tranches/w", "auditor").json().as_object().at("closed") ==
        false);
  // The next local midnight has passed and the window's closes_at too: both close by themselves.
  fake_now = local_midnight(local_date(start, TimeZone::europe_amsterdam) + 1,
                            TimeZone::europe_amsterdam) +
             120 * nanoseconds_per_second;
  boost::json::object window;
  for (int attempt = 0; attempt < 200; ++attempt) {
    window = client.send(http::verb::get, "/v1/tranches/w", "auditor").json().as_object();
    if (window.at("closed") == true) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(window.at("closed") == true);
  CHECK(window.at("applications").as_object().at("granted") == 2);
  CHECK(window.at("applications").as_object().at("rejected") == 1);
  const auto day = client.send(http::verb::get, "/v1/tranches/d", "auditor").json().as_object();
  CHECK(day.at("closed") == false);
  CHECK(day.at("applications").as_object().at("granted") == 1);  // its day was closed
}

TEST_CASE("A slow-loris client is cut off after the read timeout, idle and other clients are not",
          "[process]") {
  TempFolder folder("loris");
  ServerSetup setup;
  setup.adjust = [](ServerOptions& options) {
    options.read_timeout = std::chrono::milliseconds(300);
    options.idle_timeout = std::chrono::milliseconds(5000);
  };
  RunningServer server(folder, setup);
  asio::io_context io;
  tcp::socket loris(io);
  loris.connect({asio::ip::make_address("127.0.0.1"), server.port()});
  asio::write(
      loris,
      asio::buffer(std::string_view("POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\n")));
  Client idle(server.port());  // connected, sends nothing yet
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  // The trickling request was given up on: the server closed that connection. The client
  // waits at most a second more, far less than the idle timeout the old code applied.
  const timeval receive_timeout{1, 0};
  ::setsockopt(loris.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &receive_timeout,
               sizeof(receive_timeout));
  char byte = 0;
  beast::error_code error;
  const std::size_t read = loris.read_some(asio::buffer(&byte, 1), error);
  CHECK(read == 0);
  CHECK(error == asio::error::eof);
  // The idle connection is still open after the read timeout, and others are served.
  CHECK(idle.send(http::verb::get, "/healthz", "").status == 200);
  Client other(server.port());
  CHECK(
      other
          .send(http::verb::post, "/v1/tranches/t2/submissions", "portal", R"({"participant":"a"})")
          .status == 201);
}

TEST_CASE("A token over its request rate gets 429 with Retry-After, other tokens are served",
          "[process]") {
  TempFolder folder("rate");
  ServerSetup setup;
  setup.adjust = [](ServerOptions& options) {
    for (TokenEntry& token : options.tokens.tokens) {
      if (token.role != Role::portal) continue;
      token.requests_per_second = 1;
      token.burst = 2;
    }
  };
  RunningServer server(folder, setup);
  Client client(server.port());
  const std::string submissions = "/v1/tranches/t2/submissions";
  CHECK(client.send(http::verb::post, submissions, "portal", R"({"participant":"a"})").status ==
        201);
  CHECK(client.send(http::verb::get, "/v1/tranches/t2", "portal").status == 200);
  const Answer limited =
      client.send(http::verb::post, submissions, "portal", R"({"participant":"b"})");
  CHECK(limited.status == 429);
  CHECK(limited.content_type == "application/problem+json");
  CHECK(limited.json().as_object().at("type") == "urn:loket:problem:rate-limited");
  CHECK(limited.retry_after == "1");
  CHECK(server.pipeline().durable_sequence() == 1);  // the refused one was not journaled
  CHECK(client.send(http::verb::get, "/v1/tranches/t2", "operator").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  CHECK(client.send(http::verb::post, submissions, "portal", R"({"participant":"b"})").status ==
        201);
}

TEST_CASE("When the queues are full the server answers 503 with Retry-After, then recovers",
          "[process]") {
  TempFolder folder("backpressure");
  FaultInjectionEnv fault = make_fault_injection_env();
  PipelineLimits limits;
  limits.queue_jobs_max = 4;
  limits.jobs_per_turn_max = 1;
  limits.commit.batch_records_max = 1;
  limits.commit.batches_in_flight_max = 2;
  ServerSetup setup;
  setup.limits = limits;
  setup.env = fault.env.get();
  RunningServer server(folder, setup);
  Client warm_up(server.port());
  REQUIRE(warm_up
              .send(http::verb::post, "/v1/tranches/t2/submissions", "portal",
                    R"({"participant":"first"})")
              .status == 201);

  // A disk that stops answering: syncs hang, the committer's batches fill, the allocator
  // thread waits for one, and the job queue behind it fills up.
  fault.faults->stall_sync = true;
  constexpr std::size_t clients_count = 24;
  std::vector<Answer> answers(clients_count);
  std::vector<std::thread> clients;
  for (std::size_t index = 0; index < clients_count; ++index) {
    clients.emplace_back([&, index] {
      Client client(server.port());
      answers[index] = client.send(http::verb::post, "/v1/tranches/t2/submissions", "portal",
                                   fmt::format(R"({{"participant":"p{}"}})", index));
    });
  }
  // Those beyond the queue's room are refused at once, while the disk still hangs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server.pipeline().counters().rejected_full.load() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const std::uint64_t durable_while_stalled = server.pipeline().durable_sequence();
  Client observer(server.port());
  CHECK(observer.send(http::verb::get, "/healthz", "").status == 200);
  fault.faults->stall_sync = false;
  for (std::thread& client : clients) client.join();

  std::size_t created = 0;
  std::size_t busy = 0;
  for (const Answer& answer : answers) {
    if (answer.status == 201) ++created;
    if (answer.status != 503) continue;
    ++busy;
    CHECK(answer.content_type == "application/problem+json");
    CHECK(answer.json().as_object().at("type") == "urn:loket:problem:busy");
    CHECK(answer.retry_after == "1");
  }
  CHECK(durable_while_stalled == 1);  // nothing became durable while the disk hung
  CHECK(busy > 0);
  CHECK(created + busy == clients_count);
  CHECK(server.pipeline().counters().rejected_full.load() == busy);
  // Each 201 is journaled, each 503 is not; and the server takes new work again.
  CHECK(server.pipeline().durable_sequence() == 1 + created);
  CHECK(observer
            .send(http::verb::post, "/v1/tranches/t2/submissions", "portal",
                  R"({"participant":"after"})")
            .status == 201);
}

TEST_CASE("With TLS configured, HTTPS clients are served and plain HTTP is turned away",
          "[process]") {
  TempFolder folder("tls");
  const std::string certificate = source_path("tests/data/tls/test-certificate.pem");
  ServerSetup setup;
  setup.adjust = [&](ServerOptions& options) {
    options.tls = TlsFiles{certificate, source_path("tests/data/tls/test-key.pem")};
  };
  RunningServer server(folder, setup);
  asio::io_context io;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.load_verify_file(certificate);
  const auto tls_exchange = [&](const std::string& target, std::string body) {
    beast::ssl_stream<beast::tcp_stream> stream(io, context);
    stream.set_verify_mode(asio::ssl::verify_peer);
    stream.set_verify_callback(asio::ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), server.port()});
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> request{body.empty() ? http::verb::get : http::verb::post,
                                             target, 11};
    request.set(http::field::host, "localhost");
    request.set(http::field::authorization, "Bearer portal");
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    request.body() = std::move(body);
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return response;
  };
  const auto created =
      tls_exchange("/v1/tranches/t2/submissions", R"({"id":"TLS-1","participant":"a"})");
  CHECK(created.result_int() == 201);
  // Plain HTTP on the TLS port gets no answer but a closed connection.
  Client plain(server.port());
  CHECK_THROWS(plain.send(http::verb::get, "/v1/submissions/TLS-1", "portal"));
  CHECK(tls_exchange("/v1/submissions/TLS-1", "").result_int() == 200);

  // A key file that does not exist stops the server from starting, naming the file.
  ServerOptions broken;
  broken.port = 0;
  broken.tls = TlsFiles{certificate, folder.path("missing-key.pem")};
  const Result<std::unique_ptr<Server>> refused = Server::create(broken);
  REQUIRE_FALSE(refused.ok());  // the server started without its key
  CHECK(refused.status().message().find("missing-key.pem") != std::string::npos);
}

TEST_CASE(
    "A journal that cannot sync stops acknowledgements and readiness until it writes again, "
    "then the server goes on without a restart",
    "[process]") {
  TempFolder folder("sync-fault");
  FaultInjectionEnv fault = make_fault_injection_env();
  ServerSetup setup;
  setup.env = fault.env.get();
  setup.limits.clock_check_interval = std::chrono::milliseconds(50);  // reopen attempts
  const std::string submissions = "/v1/tranches/t2/submissions";
  {
    RunningServer server(folder, setup);
    Client client(server.port());
    REQUIRE(
        client.send(http::verb::post, submissions, "portal", R"({"id":"OK-1","participant":"a"})")
            .status == 201);
    fault.faults->fail_sync = true;
    const Answer refused =
        client.send(http::verb::post, submissions, "portal", R"({"id":"NO-1","participant":"b"})",
                    "application/json", "key-no-1");
    CHECK(refused.status == 503);
    CHECK(refused.problem_type() == "journal-unavailable");
    CHECK(refused.retry_after == "5");
    CHECK(client.send(http::verb::get, "/readyz", "").status == 503);
    CHECK(client.send(http::verb::get, "/healthz", "").status == 200);  // alive, not ready
    CHECK(client.send(http::verb::get, "/v1/export/events.jsonl", "auditor").status == 503);
    // While the disk still fails, every reopen attempt fails too: still refusing.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const Answer still =
        client.send(http::verb::post, submissions, "portal", R"({"id":"NO-2","participant":"c"})");
    CHECK(still.status == 503);
    CHECK(still.problem_type() == "journal-unavailable");
    CHECK(server.pipeline().durable_sequence() == 1);

    // The disk is healthy again: the journal is reopened, verified and replayed in place.
    fault.faults->fail_sync = false;
    REQUIRE(readyz_becomes(server.port(), 200, std::chrono::seconds(10)));
    CHECK(client.send(http::verb::get, "/v1/submissions/OK-1", "auditor")
              .json()
              .as_object()
              .at("outcome") == "granted");
    // Whether NO-1 reached the disk before the failed sync is not known to its client; a
    // retry with its Idempotency-Key settles it: the recorded receipt, or recorded now, never
    // twice.
    const Answer retry =
        client.send(http::verb::post, submissions, "portal", R"({"id":"NO-1","participant":"b"})",
                    "application/json", "key-no-1");
    CHECK(retry.status == 201);
    CHECK(retry.json().as_object().at("seq") == 2);
    const Answer after =
        client.send(http::verb::post, submissions, "portal", R"({"id":"OK-2","participant":"d"})");
    CHECK(after.status == 201);
    CHECK(after.json().as_object().at("seq") == 3);
    CHECK(client.send(http::verb::get, "/v1/export/events.jsonl", "auditor").status == 200);
    const Answer metrics = client.send(http::verb::get, "/metrics", "operator");
    CHECK(metrics.body.find("loket_journal_failures_total 1\n") != std::string::npos);
    CHECK(metrics.body.find("loket_journal_reopened_total 1\n") != std::string::npos);
    CHECK(server.pipeline().durable_sequence() == 3);
  }
  CHECK(fault.faults->faults_injected.load() >= 2);  // the sync, and reopening while it failed
  // A restart finds the same three records.
  RunningServer restarted(folder, setup);
  Client client(restarted.port());
  CHECK(restarted.pipeline().durable_sequence() == 3);
  CHECK(client.send(http::verb::get, "/v1/submissions/OK-2", "auditor").status == 200);
}

TEST_CASE("Operator commands with an Idempotency-Key are decided once, also after a restart",
          "[process]") {
  TempFolder folder("operator-idempotent");
  ServerSetup setup;
  // The test server's scheme with one place: a second registration is refused tranche_full.
  setup.scheme = std::string(places_scheme);
  setup.scheme.replace(setup.scheme.find("places = 1000"), 13, "places = 1");
  const std::string appeals = "/v1/tranches/t2/appeals";
  const std::string appeal = R"({"id":"B-1","reference":"ECLI:NL:RVS:2021:1"})";
  std::string appeal_answer;
  std::string close_answer;
  {
    RunningServer server(folder, setup);
    Client client(server.port());
    const std::string submissions = "/v1/tranches/t2/submissions";
    REQUIRE(
        client.send(http::verb::post, submissions, "portal", R"({"id":"A-1","participant":"a"})")
            .status == 201);
    REQUIRE(
        client.send(http::verb::post, submissions, "portal", R"({"id":"B-1","participant":"b"})")
            .json()
            .as_object()
            .at("reason") == "tranche_full");
    const Answer first =
        client.send(http::verb::post, appeals, "operator", appeal, "application/json", "ruling-1");
    REQUIRE(first.status == 200);
    appeal_answer = first.body;
    const Answer retry =
        client.send(http::verb::post, appeals, "operator", appeal, "application/json", "ruling-1");
    CHECK(retry.status == 200);
    CHECK(retry.body == appeal_answer);
    // The same appeal without the key: the engine counts it once all the same (R9).
    const Answer again = client.send(http::verb::post, appeals, "operator", appeal);
    CHECK(again.status == 409);
    CHECK(again.problem_type() == "duplicate-appeal");
    // One key, another command: refused, not taken as a retry.
    const Answer reused = client.send(http::verb::post, "/v1/tranches/t2/close", "operator", "{}",
                                      "application/json", "ruling-1");
    CHECK(reused.status == 422);
    CHECK(reused.problem_type() == "idempotency-key-reused");
    const Answer close = client.send(http::verb::post, "/v1/tranches/t2/close", "operator", "{}",
                                     "application/json", "close-1");
    REQUIRE(close.status == 200);
    close_answer = close.body;
    CHECK(server.pipeline().durable_sequence() == 4);
  }
  RunningServer restarted(folder, setup);
  Client client(restarted.port());
  const Answer appeal_retry =
      client.send(http::verb::post, appeals, "operator", appeal, "application/json", "ruling-1");
  CHECK(appeal_retry.status == 200);
  CHECK(appeal_retry.body == appeal_answer);
  const Answer close_retry = client.send(http::verb::post, "/v1/tranches/t2/close", "operator",
                                         "{}", "application/json", "close-1");
  CHECK(close_retry.status == 200);
  CHECK(close_retry.body == close_answer);
  CHECK(restarted.pipeline().durable_sequence() == 4);
}

TEST_CASE("A header that decides who asks or what is retried may appear only once", "[process]") {
  TempFolder folder("twice");
  RunningServer server(folder);
  const std::string body = R"({"participant":"anna"})";
  for (const std::string_view twice :
       {"Authorization: Bearer portal\r\nAuthorization: Bearer auditor\r\n",
        "Authorization: Bearer portal\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\n",
        "Authorization: Bearer portal\r\nContent-Type: text/plain\r\n"}) {
    Client client(server.port());
    const std::optional<Answer> answer = client.send_raw(fmt::format(
        "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "{}Content-Length: {}\r\n\r\n{}",
        twice, body.size(), body));
    REQUIRE(answer);
    CHECK(answer->status == 400);
    CHECK(answer->problem_type() == "bad-request");
  }
  CHECK(server.pipeline().durable_sequence() == 0);
}
