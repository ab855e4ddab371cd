// HTTP/1.1 pipelining (RFC 9112 9.3): a client may send several requests before the first
// answer. The server reads them ahead, hands the submissions over together, and answers in
// the order they came, whichever is decided first; a request it cannot read ends the
// connection after the answers owed before it.
#include <fmt/format.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

#include "testing/fault_injection.hpp"
#include "tests/child_process.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/server_fixture.hpp"

namespace loket::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds start_bound{20};  // only bounds a hang

std::string submission(std::string_view id, std::string_view extra_headers = "") {
  const std::string body = fmt::format(R"({{"id":"{}","participant":"person-{}"}})", id, id);
  return fmt::format(
      "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
      "dev-portal-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n{}",
      body.size(), extra_headers, body);
}

const std::string health = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
const std::string last_health = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

struct Response {
  int status = 0;
  std::string head;
  std::string body;
};

// The responses in `bytes`, one after the other; the one at `head_answer` answers a HEAD, so
// its Content-Length counts no body.
std::vector<Response> responses_in(std::string_view bytes,
                                   std::size_t head_answer = std::string::npos) {
  std::vector<Response> found;
  while (!bytes.empty()) {
    const std::size_t head_end = bytes.find("\r\n\r\n");
    REQUIRE(head_end != std::string_view::npos);
    Response response;
    response.head = std::string(bytes.substr(0, head_end + 4));
    response.status = std::stoi(response.head.substr(9, 3));
    const std::size_t length_at = response.head.find("Content-Length: ");
    const std::size_t length = length_at == std::string::npos || found.size() == head_answer
                                   ? 0
                                   : std::stoul(response.head.substr(length_at + 16));
    REQUIRE(bytes.size() >= head_end + 4 + length);
    response.body = std::string(bytes.substr(head_end + 4, length));
    bytes.remove_prefix(head_end + 4 + length);
    found.push_back(std::move(response));
  }
  return found;
}

// Sends `requests` in one write, then (when `half_close`) shuts the sending side, and returns
// every byte the server sent until it closed.
std::string exchanged(unsigned short port, std::string_view requests, bool half_close = false) {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(requests));
  if (half_close) socket.shutdown(tcp::socket::shutdown_send);
  std::string received;
  boost::system::error_code error;
  std::array<char, 4096> chunk{};
  while (!error) received.append(chunk.data(), socket.read_some(asio::buffer(chunk), error));
  return received;
}

std::string id_of(const Response& response) {
  const std::size_t at = response.body.find(R"("id":")");
  if (at == std::string::npos) return {};
  return response.body.substr(at + 6, response.body.find('"', at + 6) - at - 6);
}

struct Served {
  TempFolder folder{"pipelining"};
  ChildProcess server{
      build_path("loket"),
      loopback_serve_arguments(source_path("schemes/rehearsal.toml"), folder.path("journal"), {})};
  unsigned short port = 0;
  Served() {
    const auto listening = server.wait_listening(start_bound);
    INFO(server.log());
    REQUIRE(listening);
    port = *listening;
  }
};

}  // namespace

TEST_CASE("Pipelined requests are answered in the order they came, past the read-ahead limit",
          "[process]") {
  Served served;
  // 40 submissions, more than the 16 read ahead at once, each followed by a quick GET that
  // is answered before the submission is durable and must still wait for it.
  std::string requests;
  constexpr int submissions = 40;
  for (int index = 0; index < submissions; ++index) {
    requests += submission(fmt::format("pipe-{}", index)) + health;
  }
  requests += "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + last_health;
  const std::vector<Response> answers =
      responses_in(exchanged(served.port, requests), 2 * submissions);
  REQUIRE(answers.size() == 2 * submissions + 2);
  for (int index = 0; index < submissions; ++index) {
    const Response& receipt = answers[static_cast<std::size_t>(2 * index)];
    INFO(receipt.head << receipt.body);
    CHECK(receipt.status == 201);
    CHECK(id_of(receipt) == fmt::format("pipe-{}", index));
    CHECK(receipt.body.find(fmt::format(R"("seq":{},)", index + 1)) != std::string::npos);
    CHECK(answers[static_cast<std::size_t>(2 * index + 1)].body.find("\"ok\"") !=
          std::string::npos);
  }
  CHECK(answers[2 * submissions].status == 200);
  CHECK(answers[2 * submissions].body.empty());  // HEAD: no body, and the next one follows
  CHECK(answers.back().head.find("Connection: close\r\n") != std::string::npos);
}

// While the disk does not answer, nothing is acknowledged; a client that read nothing ahead
// would have had one submission decided, not the pipeline's first sixteen.
TEST_CASE("Pipelined submissions are decided together while the first waits for the disk",
          "[process]") {
  TempFolder folder("pipelining-stall");
  FaultInjectionEnv fault = make_fault_injection_env();
  ServerSetup setup;
  setup.env = fault.env.get();
  RunningServer server(folder, setup);
  fault.faults->stall_sync = true;
  constexpr std::size_t read_ahead = 16;  // net_session::pipelined_requests_max
  std::string requests;
  for (std::size_t index = 0; index < read_ahead + 4; ++index) {
    requests += fmt::format(
        "POST /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        "portal\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
        fmt::format(R"({{"participant":"stall-{:02}"}})", index).size(),
        fmt::format(R"({{"participant":"stall-{:02}"}})", index));
  }
  requests += last_health;
  std::string received;
  std::thread client([&] { received = exchanged(server.port(), requests); });
  const auto deadline = std::chrono::steady_clock::now() + start_bound;
  while (server.pipeline().counters().accepted.load() < read_ahead &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(server.pipeline().counters().accepted.load() == read_ahead);
  CHECK(server.pipeline().durable_sequence() == 0);
  fault.faults->stall_sync = false;
  client.join();
  const std::vector<Response> answers = responses_in(received);
  REQUIRE(answers.size() == read_ahead + 5);
  for (std::size_t index = 0; index < read_ahead + 4; ++index) {
    INFO(answers[index].body);
    CHECK(answers[index].status == 201);
    CHECK(answers[index].body.find(fmt::format(R"("seq":{},)", index + 1)) != std::string::npos);
  }
  CHECK(answers.back().status == 200);
}

TEST_CASE("A client that pipelines and stops sending still gets every answer", "[process]") {
  Served served;
  const std::string requests = submission("half-1") + health + submission("half-2");
  const std::vector<Response> answers = responses_in(exchanged(served.port, requests, true));
  REQUIRE(answers.size() == 3);
  CHECK(id_of(answers[0]) == "half-1");
  CHECK(answers[1].status == 200);
  CHECK(id_of(answers[2]) == "half-2");
}

TEST_CASE("An unreadable request in a pipeline is answered after those before it, then nothing",
          "[process]") {
  Served served;
  const std::string requests = submission("before-1") + submission("before-2") +
                               "GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n" +
                               submission("after");
  const std::vector<Response> answers = responses_in(exchanged(served.port, requests));
  REQUIRE(answers.size() == 3);
  CHECK(id_of(answers[0]) == "before-1");
  CHECK(id_of(answers[1]) == "before-2");
  CHECK(answers[2].status == 400);
  CHECK(answers[2].head.find("Connection: close\r\n") != std::string::npos);
  // The request after it was never read, so never journaled.
  Client client(served.port);
  CHECK(client.send(http::verb::get, "/v1/submissions/after", "dev-auditor-token").status == 404);
  CHECK(client.send(http::verb::get, "/v1/submissions/before-2", "dev-auditor-token").status ==
        200);
}

TEST_CASE("100 Continue behind a pipelined request comes after that request's answer",
          "[process]") {
  Served served;
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), served.port});
  const std::string waiting = submission("waits", "Expect: 100-continue\r\n");
  const std::size_t body_at = waiting.find("\r\n\r\n") + 4;
  asio::write(socket, asio::buffer(submission("first") + waiting.substr(0, body_at)));
  // The first's receipt, then the interim answer, in that order and nothing else yet.
  asio::streambuf received;
  asio::read_until(socket, received, "HTTP/1.1 100 Continue\r\n\r\n");
  const std::string so_far(asio::buffers_begin(received.data()),
                           asio::buffers_end(received.data()));
  REQUIRE(so_far.find("HTTP/1.1 100 Continue\r\n\r\n") != std::string::npos);
  const std::string before_continue = so_far.substr(0, so_far.find("HTTP/1.1 100 Continue"));
  const std::vector<Response> first = responses_in(before_continue);
  REQUIRE(first.size() == 1);
  CHECK(id_of(first[0]) == "first");
  received.consume(so_far.find("HTTP/1.1 100 Continue") + 25);
  asio::write(socket, asio::buffer(waiting.substr(body_at) + last_health));
  boost::system::error_code error;
  std::string rest(asio::buffers_begin(received.data()), asio::buffers_end(received.data()));
  std::array<char, 4096> chunk{};
  while (!error) rest.append(chunk.data(), socket.read_some(asio::buffer(chunk), error));
  const std::vector<Response> answers = responses_in(rest);
  REQUIRE(answers.size() == 2);
  CHECK(id_of(answers[0]) == "waits");
  CHECK(answers[1].status == 200);
}

}  // namespace loket::testing
