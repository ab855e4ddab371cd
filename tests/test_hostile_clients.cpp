// Hostile clients against the real `loket serve` process on loopback: oversized bodies and
// headers, slow loris, thousands of idle connections, invalid UTF-8, numbers beyond int64,
// negative and zero amounts, duplicate keys, unknown fields, wrong content types, reused
// idempotency keys, bytes that are not HTTP. Each gets its specific problem (or, where the
// request cannot be read, a problem and a closed connection); the server keeps serving the
// others, journals only what has a receipt, and its memory stays bounded over repeated
// rounds (resident set size read from /proc at moments when the server has settled: its own
// count of connections, from /metrics, is what the test holds open). And request smuggling:
// every framing two parties could read differently gets 400 and a closed connection, and the
// request hidden in its body is never executed.
//
// Nothing here depends on how fast the machine is: every wait is for a condition, bounded
// only to stop a hang, and what was seen is printed when a check fails.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <thread>

#include "tests/child_process.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/record_check.hpp"

using namespace loket;
using namespace loket::testing;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace std::string_literals;  // for the requests with a NUL in them

namespace {

constexpr std::string_view scheme_text = R"(
[scheme]
id = "hostile"
name = "Hostile clients"
unique_participant = "scheme"
[[tranche]]
id = "t2"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 100000
ranking = "arrival"
[[tranche]]
id = "money"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
budget_cents = 100000000000
ranking = "arrival"
fit = "partial"
spillover = "none"
)";

constexpr std::size_t connections_max = 2500;
constexpr std::size_t idle_connections = 2000;
constexpr std::size_t over_the_limit = 1000;
constexpr int rounds = 5;
constexpr std::chrono::milliseconds read_timeout{400};
// Longer than any round: the idle connections and the observer's must stay open.
constexpr std::chrono::milliseconds idle_timeout{600'000};
// Only bounds a hang: every wait ends as soon as what it waits for happens.
constexpr std::chrono::seconds hang_bound{60};
// /metrics polls; the operator token's rate (20 a second) is not reached.
constexpr std::chrono::milliseconds metrics_poll_interval{100};
constexpr std::size_t rss_growth_after_first_round_bytes_max = 16 << 20;
constexpr std::size_t rss_with_idle_connections_bytes_max = 256 << 20;

constexpr std::string_view portal = "dev-portal-token";
constexpr std::string_view operator_token = "dev-operator-token";

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer keeps freed memory in quarantine (up to 256 MiB) instead of reusing it, so
// a server built with it grows by design; the bound is checked in the other builds.
constexpr bool rss_is_measured = false;
#else
constexpr bool rss_is_measured = true;
#endif

// A request as bytes: the method, target and body, with a portal token and a JSON body
// unless other headers are given.
std::string request(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view headers = "Content-Type: application/json\r\n",
                    std::string_view token = portal) {
  return fmt::format("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n{}{}Content-Length: {}\r\n\r\n{}",
                     method, target,
                     token.empty() ? "" : fmt::format("Authorization: Bearer {}\r\n", token),
                     headers, body.size(), body);
}

std::string submit(std::string_view tranche, std::string_view body,
                   std::string_view headers = "Content-Type: application/json\r\n") {
  return request("POST", fmt::format("/v1/tranches/{}/submissions", tranche), body, headers);
}

struct Hostile {
  std::string name;
  std::string bytes;
  unsigned status;
  std::string problem_type;
  bool closes = false;   // the server must close the connection after its answer
  bool receipt = false;  // decided as invalid, with a journaled receipt
};

std::vector<Hostile> hostile_requests(int round) {
  const std::string nested(5000, '[');
  const std::string big_chunk(20'000, 'a');
  return {
      {"body over 16 KiB", submit("t2", std::string(20'000, ' ') + R"({"participant":"a"})"), 413,
       "body-too-large", true},
      {"Content-Length of a gigabyte, no body",
       "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nContent-Type: "
       "application/json\r\nContent-Length: 1000000000\r\n\r\n",
       413, "body-too-large", true},
      {"chunked body over 16 KiB",
       fmt::format("POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: "
                   "Bearer {}\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                   "chunked\r\n\r\n{:x}\r\n{}\r\n0\r\n\r\n",
                   portal, big_chunk.size(), big_chunk),
       413, "body-too-large", true},
      {"headers over 8 KiB",
       submit("t2", R"({"participant":"a"})",
              fmt::format("Content-Type: application/json\r\nX-Filler: {}\r\n",
                          std::string(9000, 'a'))),
       431, "headers-too-large", true},
      {"target over 8 KiB", request("GET", "/v1/tranches/" + std::string(9000, 'x'), ""), 431,
       "headers-too-large", true},
      {"not HTTP (a TLS hello)", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n"s, 400,
       "bad-request", true},
      {"Content-Length and Transfer-Encoding both",
       "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nContent-Length: "
       "4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       400, "bad-request", true},
      {"invalid UTF-8", submit("t2", "{\"participant\":\"\xff\xfe\"}"), 400, "invalid-json"},
      {"a NUL in a string", submit("t2", "{\"participant\":\"a\0b\"}"s), 400, "invalid-json"},
      {"nested 5,000 deep", submit("t2", nested + std::string(5000, ']')), 400, "invalid-json"},
      {"not an object", submit("t2", R"("just a string")"), 400, "invalid-json"},
      {"empty body", submit("t2", ""), 400, "invalid-json"},
      {"a key twice", submit("t2", R"({"participant":"a","participant":"b"})"), 400,
       "invalid-json"},
      {"an unknown field", submit("t2", R"({"participant":"a","priority":1})"), 400,
       "unknown-field"},
      {"text/plain", submit("t2", R"({"participant":"a"})", "Content-Type: text/plain\r\n"), 415,
       "unsupported-media-type"},
      {"no content type", submit("t2", R"({"participant":"a"})", ""), 415,
       "unsupported-media-type"},
      {"no token",
       request("POST", "/v1/tranches/t2/submissions", "{}", "Content-Type: application/json\r\n",
               ""),
       401, "unauthorized"},
      {"a wrong token",
       request("POST", "/v1/tranches/t2/submissions", "{}", "Content-Type: application/json\r\n",
               "guess"),
       401, "unauthorized"},
      {"an auditor submitting",
       request("POST", "/v1/tranches/t2/submissions", "{}", "Content-Type: application/json\r\n",
               "dev-auditor-token"),
       403, "forbidden"},
      {"an unknown path", request("GET", "/v1/../../etc/passwd", ""), 404, "not-found"},
      {"a wrong method", request("DELETE", "/v1/tranches/t2/submissions", ""), 405,
       "method-not-allowed"},
      {"an Idempotency-Key with a space",
       submit("t2", R"({"participant":"a"})",
              "Content-Type: application/json\r\nIdempotency-Key: a key\r\n"),
       400, "invalid-idempotency-key"},
      {"an Idempotency-Key reused for another body",
       submit(
           "t2", fmt::format(R"({{"participant":"other-{}"}})", round),
           fmt::format("Content-Type: application/json\r\nIdempotency-Key: reused-{}\r\n", round)),
       422, "idempotency-key-reused"},
      {"an amount beyond int64",
       submit(
           "money",
           fmt::format(R"({{"participant":"big-{}","amount_cents":99999999999999999999}})", round)),
       422, "invalid-submission", false, true},
      {"a negative amount",
       submit("money", fmt::format(R"({{"participant":"neg-{}","amount_cents":-500}})", round)),
       422, "invalid-submission", false, true},
      {"a zero amount",
       submit("money", fmt::format(R"({{"participant":"zero-{}","amount_cents":0}})", round)), 422,
       "invalid-submission", false, true},
      {"a fractional amount",
       submit("money", fmt::format(R"({{"participant":"half-{}","amount_cents":1.5}})", round)),
       422, "invalid-submission", false, true},
  };
}

// Raw TCP connections that send nothing.
std::vector<std::unique_ptr<asio::ip::tcp::socket>> connect_idle(asio::io_context& io,
                                                                 unsigned short port,
                                                                 std::size_t count) {
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> sockets;
  for (std::size_t index = 0; index < count; ++index) {
    auto socket = std::make_unique<asio::ip::tcp::socket>(io);
    socket->connect({asio::ip::make_address("127.0.0.1"), port});
    sockets.push_back(std::move(socket));
  }
  return sockets;
}

// The server's own count of its open connections, from /metrics; nothing when it did not
// answer 200.
std::optional<std::size_t> connections_counted(Client& observer) {
  const Answer answer = observer.send(http::verb::get, "/metrics", operator_token);
  constexpr std::string_view gauge = "\nloket_connections ";
  const std::size_t at = answer.body.find(gauge);
  if (answer.status != 200 || at == std::string::npos) return std::nullopt;
  return std::stoull(answer.body.substr(at + gauge.size()));
}

// Polls /metrics until the server counts `expected` connections (the observer's included)
// and returns the last count seen: `expected`, or what it was when the hang bound passed.
std::optional<std::size_t> settle_connections(Client& observer, std::size_t expected) {
  const auto deadline = std::chrono::steady_clock::now() + hang_bound;
  std::optional<std::size_t> counted = connections_counted(observer);
  while (counted != expected && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(metrics_poll_interval);
    counted = connections_counted(observer);
  }
  return counted;
}

// How many of the sockets the server has closed; polls until that is `expected` and returns
// the last count: `expected`, or what it was when the hang bound passed.
std::size_t settle_closed(std::vector<std::unique_ptr<asio::ip::tcp::socket>>& sockets,
                          std::size_t expected) {
  const auto deadline = std::chrono::steady_clock::now() + hang_bound;
  std::vector<pollfd> polled;
  for (auto& socket : sockets) polled.push_back({socket->native_handle(), POLLRDHUP, 0});
  for (;;) {
    const int timeout_ms = static_cast<int>(metrics_poll_interval.count());
    if (::poll(polled.data(), polled.size(), timeout_ms) < 0) return 0;
    const auto closed = static_cast<std::size_t>(std::count_if(
        polled.begin(), polled.end(),
        [](const pollfd& entry) { return (entry.revents & (POLLRDHUP | POLLHUP)) != 0; }));
    if (closed == expected || std::chrono::steady_clock::now() >= deadline) return closed;
  }
}

ChildProcess start_server(const TempFolder& folder) {
  const std::string config = folder.write(
      "serve.toml", fmt::format("[limits]\nconnections_max = {}\nread_timeout_ms = {}\n"
                                "idle_timeout_ms = {}\n",
                                connections_max, read_timeout.count(), idle_timeout.count()));
  return ChildProcess(build_path("loket"),
                      {"serve", "--scheme", folder.write("hostile.toml", scheme_text), "--data",
                       folder.path("journal"), "--listen", "127.0.0.1:0", "--tokens",
                       source_path("app/development-tokens.toml"), "--config", config});
}

struct Round {
  std::vector<LoadReceipt> receipts_t2;
  std::vector<LoadReceipt> receipts_money;
};

// One round: a good registration and an idempotent first request, then every hostile one on
// its own connection, a slow loris, and a good registration after them.
void hostile_round(unsigned short port, int round, Round& record) {
  Client good(port);
  const Answer first = good.send(http::verb::post, "/v1/tranches/t2/submissions", portal,
                                 fmt::format(R"({{"participant":"good-{}"}})", round),
                                 "application/json", fmt::format("reused-{}", round));
  REQUIRE(first.status == 201);
  record.receipts_t2.push_back(*receipt_of(first.body));

  Client loris(port);
  loris.write_raw("POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\n");
  for (const Hostile& hostile : hostile_requests(round)) {
    INFO(hostile.name);
    Client client(port);
    const std::optional<Answer> answer = client.send_raw(hostile.bytes);
    REQUIRE(answer);
    CHECK(answer->status == hostile.status);
    CHECK(answer->problem_type() == hostile.problem_type);
    if (hostile.closes) CHECK(client.closed_by_server(hang_bound));
    if (hostile.receipt) {
      const std::optional<LoadReceipt> receipt = receipt_of(answer->body);
      REQUIRE(receipt);
      CHECK(receipt->reason == "invalid");
      record.receipts_money.push_back(*receipt);
    }
  }
  // The trickling request was given up on after the read timeout.
  CHECK(loris.closed_by_server(hang_bound));
  const Answer after = good.send(http::verb::post, "/v1/tranches/t2/submissions", portal,
                                 fmt::format(R"({{"participant":"after-{}"}})", round));
  REQUIRE(after.status == 201);
  record.receipts_t2.push_back(*receipt_of(after.body));
}

}  // namespace

TEST_CASE(
    "Hostile clients get specific problems or a closed connection, others are served, and the "
    "server's memory stays bounded",
    "[process]") {
  TempFolder folder("hostile");
  ChildProcess server = start_server(folder);
  const std::optional<unsigned short> port = server.wait_listening(std::chrono::seconds(20));
  INFO(server.log());
  REQUIRE(port);
  // The test's own connection to /metrics: the one the server counts besides the test's.
  Client observer(*port);
  const std::size_t observed = 1;

  Round record;
  hostile_round(*port, 0, record);  // warms up what a first request allocates
  REQUIRE(settle_connections(observer, observed) == observed);
  const std::size_t rss_start = server.rss_bytes();
  std::size_t rss_first_round = 0;
  std::size_t rss_with_idle_max = 0;
  asio::io_context io;
  for (int round = 1; round <= rounds; ++round) {
    INFO("round " << round);
    auto idle = connect_idle(io, *port, idle_connections);
    REQUIRE(settle_connections(observer, observed + idle_connections) ==
            observed + idle_connections);
    hostile_round(*port, round, record);  // served beside thousands of idle connections
    rss_with_idle_max = std::max(rss_with_idle_max, server.rss_bytes());
    // Over the connection limit: refused at once, not queued. Once the round's own
    // connections are gone, exactly the room left is taken and every other one is closed.
    REQUIRE(settle_connections(observer, observed + idle_connections) ==
            observed + idle_connections);
    auto over = connect_idle(io, *port, over_the_limit);
    const std::size_t room = connections_max - observed - idle_connections;
    CHECK(settle_connections(observer, connections_max) == connections_max);
    CHECK(settle_closed(over, over_the_limit - room) == over_the_limit - room);
    over.clear();
    idle.clear();
    REQUIRE(settle_connections(observer, observed) == observed);  // the server saw every close
    if (round == 1) rss_first_round = server.rss_bytes();
  }
  const std::size_t rss_end = server.rss_bytes();
  fmt::print(
      "hostile clients: {} rounds of {} hostile requests, a slow loris, {} idle connections and "
      "{} over the limit; server RSS {:.1f} MiB at the start, at most {:.1f} MiB with the idle "
      "connections, {:.1f} MiB after round 1, {:.1f} MiB after round {}\n",
      rounds, hostile_requests(0).size(), idle_connections, over_the_limit,
      static_cast<double>(rss_start) / (1 << 20),
      static_cast<double>(rss_with_idle_max) / (1 << 20),
      static_cast<double>(rss_first_round) / (1 << 20), static_cast<double>(rss_end) / (1 << 20),
      rounds);
  if (rss_is_measured) {
    CHECK(rss_with_idle_max < rss_start + rss_with_idle_connections_bytes_max);
    CHECK(rss_end < rss_first_round + rss_growth_after_first_round_bytes_max);
  }

  // Only what got a receipt is journaled, and every receipt is in the record.
  const RecordCheck check =
      check_server_record(*port, {{"t2", record.receipts_t2}, {"money", record.receipts_money}});
  for (const std::string& failure : check.failures) FAIL_CHECK(failure);
  CHECK(check.records == record.receipts_t2.size() + record.receipts_money.size());
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

namespace {

struct Smuggling {
  std::string name;
  std::string bytes;
  std::string hidden_id;  // the submission that must not be executed
};

// A submission's header with the given framing lines, then a body that is itself a whole
// request or a submission: read as the header frames it for a lenient server, it is executed.
std::vector<Smuggling> smuggling_requests() {
  const auto header = [](std::string_view version, std::string_view framing) {
    return fmt::format(
        "POST /v1/tranches/t2/submissions HTTP/{}\r\nHost: x\r\nAuthorization: Bearer "
        "{}\r\nContent-Type: application/json\r\n{}\r\n",
        version, portal, framing);
  };
  const auto body = [](std::string_view id) {
    return fmt::format(R"({{"id":"{}","participant":"{}"}})", id, id);
  };
  const auto hidden_request = [&](std::string_view id) { return submit("t2", body(id)); };
  const auto chunked = [](std::string_view data) {
    return fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", data.size(), data);
  };
  std::vector<Smuggling> vectors;
  for (const std::string_view coding :
       {"chunked, identity", "identity", "gzip", "xchunked", "chunked, chunked", "gzip, chunked"}) {
    const std::string id = fmt::format("SMUGGLED-{}", vectors.size() + 1);
    vectors.push_back(
        {fmt::format("Transfer-Encoding: {}", coding),
         header("1.1", fmt::format("Transfer-Encoding: {}\r\n", coding)) + hidden_request(id), id});
  }
  vectors.push_back({"Transfer-Encoding twice, chunked last",
                     header("1.1", "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n") +
                         chunked(body("SMUGGLED-TWICE")),
                     "SMUGGLED-TWICE"});
  vectors.push_back({"Transfer-Encoding, then Content-Length",
                     header("1.1", "Transfer-Encoding: identity\r\nContent-Length: 0\r\n") +
                         hidden_request("SMUGGLED-TE-CL"),
                     "SMUGGLED-TE-CL"});
  vectors.push_back({"Content-Length, then Transfer-Encoding",
                     header("1.1", "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n") +
                         hidden_request("SMUGGLED-CL-TE"),
                     "SMUGGLED-CL-TE"});
  vectors.push_back(
      {"Transfer-Encoding on HTTP/1.0",
       header("1.0", "Transfer-Encoding: chunked\r\n") + chunked(body("SMUGGLED-HTTP10")),
       "SMUGGLED-HTTP10"});
  const std::string folded = body("SMUGGLED-FOLD");
  vectors.push_back(
      {"a header folded onto a second line (obs-fold)",
       header("1.1", fmt::format("X-Note: one\r\n two\r\nContent-Length: {}\r\n", folded.size())) +
           folded,
       "SMUGGLED-FOLD"});
  vectors.push_back({"two Content-Lengths that differ",
                     header("1.1", "Content-Length: 0\r\nContent-Length: 5\r\n") +
                         hidden_request("SMUGGLED-CL-CL"),
                     "SMUGGLED-CL-CL"});
  return vectors;
}

}  // namespace

TEST_CASE(
    "Request smuggling: framing that two parties could read differently gets 400 and a closed "
    "connection, and the request hidden in the body is never executed",
    "[process]") {
  TempFolder folder("smuggling");
  ChildProcess server = start_server(folder);
  const std::optional<unsigned short> port = server.wait_listening(std::chrono::seconds(20));
  INFO(server.log());
  REQUIRE(port);
  for (const Smuggling& smuggling : smuggling_requests()) {
    INFO(smuggling.name);
    Client client(*port);
    const std::optional<Answer> answer = client.send_raw(smuggling.bytes);
    REQUIRE(answer);
    INFO(answer->body);
    CHECK(answer->status == 400);
    CHECK(answer->problem_type() == "bad-request");
    CHECK(client.closed_by_server(hang_bound));
  }
  Client auditor(*port);
  for (const Smuggling& smuggling : smuggling_requests()) {
    INFO(smuggling.name);
    CHECK(
        auditor.send(http::verb::get, "/v1/submissions/" + smuggling.hidden_id, "dev-auditor-token")
            .status == 404);
  }
  // The server still serves, and only this submission is in its journal.
  const Answer good = auditor.send(http::verb::post, "/v1/tranches/t2/submissions", portal,
                                   R"({"participant":"after-the-smugglers"})");
  REQUIRE(good.status == 201);
  const RecordCheck check = check_server_record(*port, {{"t2", {*receipt_of(good.body)}}});
  for (const std::string& failure : check.failures) FAIL_CHECK(failure);
  CHECK(check.records == 1);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}
