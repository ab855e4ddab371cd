// The load generator: its histogram and arrival profiles, its checks of a server's record,
// and a whole rehearsal against the real server and against one with an injected fault.
#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "app/demo_command.hpp"
#include "engine/crypto.hpp"
#include "loadgen/arrival_profile.hpp"
#include "loadgen/latency_histogram.hpp"
#include "loadgen/load_checks.hpp"
#include "loadgen/loadtest_command.hpp"
#include "net/server.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

TEST_CASE("Latency histogram: exact when small, within 1.6 % when large, max exact") {
  LatencyHistogramUs histogram;
  CHECK(histogram.percentile(99) == 0);
  std::vector<std::uint64_t> values;
  std::mt19937_64 random(7);
  for (int index = 0; index < 100'000; ++index) {
    values.push_back(random() % 5'000'000);  // up to 5 s
  }
  for (std::uint64_t value : values) histogram.record(value);
  std::sort(values.begin(), values.end());
  for (double percent : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    const auto rank =
        static_cast<std::size_t>(std::ceil(percent / 100 * static_cast<double>(values.size()))) - 1;
    const double exact = static_cast<double>(values[rank]);
    const double reported = static_cast<double>(histogram.percentile(percent));
    INFO(percent);
    CHECK(reported >= exact);  // a bucket's top, never below the value
    CHECK(reported <= exact * 1.016 + 1);
  }
  CHECK(histogram.max() == values.back());
  CHECK(histogram.percentile(100) == values.back());
  LatencyHistogramUs small;
  for (std::uint64_t value = 0; value < 100; ++value) small.record(value);
  CHECK(small.percentile(50) == 49);  // exact below 128 us
  small.merge(histogram);
  CHECK(small.count() == 100'100);
}

TEST_CASE("Arrival profiles: the opening-day rush decays, a CSV gives rates per second") {
  const ArrivalProfile flood = ArrivalProfile::flood();
  CHECK(flood.due_seconds(123'456) == 0.0);
  // 86,400 s of day in 60 s; the decay (2 h of day) takes 5 s.
  const ArrivalProfile day = ArrivalProfile::opening_day(10'000, 1440);
  CHECK(day.due_seconds(0) == 0.0);
  double previous = 0;
  for (std::uint64_t index = 1; index < 10'000; index += 97) {
    const double due = *day.due_seconds(index);
    CHECK(due > previous);
    previous = due;
  }
  CHECK(*day.due_seconds(9'999) <= 60.0);
  CHECK_FALSE(day.due_seconds(10'000));
  // About 63 % arrive within the first decay time (5 s), far more than an even spread.
  CHECK(*day.due_seconds(6'000) < 5.0);
  CHECK(*day.due_seconds(6'500) > 5.0);

  const auto table = ArrivalProfile::from_csv("second,rate\n0,100\n2,0\n3,10\n", "p.csv");
  REQUIRE(table.ok());
  CHECK(*table->due_seconds(0) == 0.0);
  CHECK(*table->due_seconds(150) == Approx(1.5));
  CHECK(*table->due_seconds(200) == Approx(3.0));  // the pause from 2 s to 3 s
  CHECK(*table->due_seconds(205) == Approx(3.5));
  const auto ends = ArrivalProfile::from_csv("0,10\n1,0\n", "p.csv");
  CHECK_FALSE(ends->due_seconds(10));
  CHECK(ArrivalProfile::from_csv("0,10\n1,x\n", "p.csv").status().message() ==
        "p.csv:2: rate: must be a number of requests per second from 0 to 10000000");
  CHECK(ArrivalProfile::from_csv("0,10\n0,5\n", "p.csv").status().message() ==
        "p.csv:2: second: must be later than the row before");
  CHECK(ArrivalProfile::from_csv("1,10\n", "p.csv").status().message() ==
        "p.csv:1: second: the first row must start at 0");
}

TEST_CASE("The run checks catch over-allocation, double grants and receipts not on record",
          "[process]") {
  const std::string tranche = R"({"unit":"places","pools":[{"capacity":2}]})";
  const std::string events =
      R"({"type":"submit","seq":1,"tranche":"t","id":"A","participant_hmac":"p1"}
{"type":"submit","seq":2,"tranche":"t","id":"B","participant_hmac":"p2"}
{"type":"submit","seq":3,"tranche":"t","id":"C","participant_hmac":"p3"}
)";
  const std::string decisions = R"({"seq":1,"id":"A","outcome":"granted","reason":null}
{"seq":2,"id":"B","outcome":"granted","reason":null}
{"seq":3,"id":"C","outcome":"rejected","reason":"tranche_full"}
)";
  const std::vector<LoadReceipt> receipts = {
      {1, "A", "granted", ""}, {2, "B", "granted", ""}, {3, "C", "rejected", "tranche_full"}};
  const RunCheck good = check_run(receipts, "t", tranche, events, decisions);
  CHECK(good.failures.empty());
  CHECK(good.granted_units == 2);
  CHECK(good.receipts_checked == 3);

  std::string over = decisions;
  over.replace(over.find("rejected"), 8, "granted");
  over.replace(over.find("\"tranche_full\""), 14, "null");
  const RunCheck over_cap = check_run({}, "t", tranche, events, over);
  REQUIRE(over_cap.failures.size() == 1);
  CHECK(over_cap.failures[0] == "over the cap: 3 places granted of 2");

  std::string same_person = events;
  same_person.replace(same_person.find("p2"), 2, "p1");
  const RunCheck twice = check_run({}, "t", tranche, same_person, decisions);
  REQUIRE(twice.failures.size() == 1);
  CHECK(twice.failures[0].starts_with("participant p1... granted 2 times"));

  const RunCheck differ =
      check_run({{1, "A", "granted", ""}, {3, "C", "granted", ""}, {4, "D", "granted", ""}}, "t",
                tranche, events, decisions);
  REQUIRE(differ.failures.size() == 2);
  CHECK(differ.failures[0] == "receipt seq 3 id C says granted , the record rejected tranche_full");
  CHECK(differ.failures[1] == "receipt seq 4 id D is not in the server's record");
}

namespace {

// A server with a fault injected on purpose: it grants every registration, past its cap of
// ten places, and its export tells the truth about what it did.
class OverAllocatingServer {
 public:
  OverAllocatingServer() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { accept(); });
  }
  ~OverAllocatingServer() {
    stopping_ = true;
    beast::error_code ignored;
    tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
    for (std::thread& session : sessions_) session.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept() {
    while (!stopping_) {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      if (stopping_) break;
      sessions_.emplace_back([this, moved = std::move(socket)]() mutable { serve(moved); });
    }
  }
  void serve(tcp::socket& socket) {
    beast::flat_buffer buffer;
    beast::error_code error;
    for (;;) {
      http::request<http::string_body> request;
      http::read(socket, buffer, request, error);
      if (error) return;
      http::response<http::string_body> response{http::status::ok, 11};
      response.body() = answer(request, response);
      response.keep_alive(request.keep_alive());
      response.prepare_payload();
      http::write(socket, response, error);
      if (error || !request.keep_alive()) return;
    }
  }
  std::string answer(const http::request<http::string_body>& request,
                     http::response<http::string_body>& response) {
    const std::lock_guard lock(mutex_);
    const std::string target(request.target());
    if (target == "/v1/tranches/t2") {
      return R"({"unit":"places","opens_at":"2020-12-01T08:00:00Z","closes_at":)"
             R"("2099-12-01T08:00:00Z","closed":false,"pools":[{"capacity":10}]})";
    }
    if (target == "/metrics") return "# an auditor may read this\n";
    if (target == "/v1/export/events.jsonl") return events_;
    if (target == "/v1/export/decisions.jsonl") return decisions_;
    const auto body = boost::json::parse(request.body()).as_object();
    if (body.contains("favourite_colour")) {
      response.result(http::status::bad_request);
      return R"({"type":"urn:loket:problem:unknown-field"})";
    }
    const std::string id(body.at("id").as_string());
    const std::uint64_t sequence = ++sequence_;
    events_ += fmt::format(
        R"({{"type":"submit","seq":{},"tranche":"t2","id":"{}","participant_hmac":"{}"}})"
        "\n",
        sequence, id, std::string_view(body.at("participant").as_string()));
    const std::string decided =
        fmt::format(R"({{"seq":{},"id":"{}","outcome":"granted","reason":null}})", sequence, id);
    decisions_ += decided + "\n";
    response.result(http::status::created);
    return decided;
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> sessions_;
  std::mutex mutex_;  // test server state only
  std::uint64_t sequence_ = 0;
  std::string events_;
  std::string decisions_;
};

constexpr std::string_view small_scheme = R"(
[scheme]
id = "rehearsal"
name = "Rehearsal"
unique_participant = "scheme"
[[tranche]]
id = "t2"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 300
ranking = "arrival"
)";

TokenEntry token_for(std::string text, Role role) {
  TokenEntry token{
      text, role, {}, default_rate(role).requests_per_second, default_rate(role).burst};
  token.sha256 = sha256({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  return token;
}

}  // namespace

TEST_CASE("loadtest passes against the real server and fails against an over-allocating one",
          "[process]") {
  TempFolder folder("loadtest");
  LoadtestOptions options;
  options.tranche = "t2";
  options.registrations = 400;
  options.connections = 8;
  options.duplicate_share = 0.05;
  options.bad_share = 0.02;
  options.token = "portal-secret";
  options.auditor_token = "auditor-secret";
  options.run_id = "T";
  LoadOptions mix;  // the same registrations run_loadtest will send
  mix.run_id = options.run_id;
  mix.duplicate_share = options.duplicate_share;
  mix.bad_share = options.bad_share;
  std::uint64_t bad = 0;
  for (std::uint64_t index = 0; index < options.registrations; ++index) {
    bad += make_registration(mix, index).kind == RegistrationKind::bad;
  }
  REQUIRE(bad > 0);
  std::FILE* out = std::tmpfile();
  {
    Pipeline pipeline(recover_journal(folder.path("journal"), std::string(small_scheme)).value(),
                      {});
    ServerOptions server_options;
    server_options.port = 0;
    server_options.tokens.tokens = {token_for("portal-secret", Role::portal),
                                    token_for("auditor-secret", Role::auditor)};
    server_options.participant_key = {'k'};
    Result<std::unique_ptr<Server>> created = Server::create(std::move(server_options));
    REQUIRE(created.ok());
    Server& server = **created;
    server.serve(pipeline);
    std::thread thread([&] { server.run(); });
    options.target = fmt::format("http://127.0.0.1:{}", server.port());
    const int passed = run_loadtest(options, out, out);
    server.stop();
    thread.join();
    pipeline.stop();
    CHECK(passed == 0);
    CHECK(pipeline.durable_sequence() == 400 - bad);  // the bad requests are not journaled
  }
  OverAllocatingServer faulty;
  options.target = fmt::format("http://127.0.0.1:{}", faulty.port());
  CHECK(run_loadtest(options, out, out) == 1);
  std::rewind(out);
  std::string printed(1 << 16, '\0');
  printed.resize(std::fread(printed.data(), 1, printed.size(), out));
  std::fclose(out);
  INFO(printed);
  CHECK(printed.find(fmt::format("FAILED: over the cap: {} places granted of 10", 400 - bad)) !=
        std::string::npos);
  CHECK(printed.find("FAILED: participant") != std::string::npos);  // the duplicates, granted
}

TEST_CASE("loket demo rehearses, closes, audits and reports on a new journal", "[process]") {
  TempFolder folder("demo");
  DemoOptions options;
  options.scheme_path = source_path("schemes/rehearsal.toml");
  options.data_path = folder.path("nested/journal");  // a parent that does not exist yet
  options.registrations = 1'500;
  options.connections = 16;
  options.duration_seconds = 2;
  std::FILE* out = std::tmpfile();
  CHECK(run_demo(options, out, out) == 0);
  std::rewind(out);
  std::string printed(1 << 16, '\0');
  printed.resize(std::fread(printed.data(), 1, printed.size(), out));
  std::fclose(out);
  INFO(printed);
  CHECK(printed.find("loket demo: done.") != std::string::npos);
  CHECK(printed.find("every decision re-derived and equal") != std::string::npos);
  CHECK(std::filesystem::file_size(folder.path("nested/journal/report.html")) > 1000);
  // A second demo refuses to write over the first one's journal.
  std::FILE* again = std::tmpfile();
  CHECK(run_demo(options, again, again) == 2);
  std::fclose(again);
}
