// HEAD beside GET (RFC 9110 9.1, 9.3.2): GET's headers and no body, so that a keep-alive
// client reads the next response where it begins. A HEAD once got a 405 with a body, which
// such a client took for the start of its next answer.
#include <fmt/format.h>

#include <boost/asio.hpp>
#include <catch2/catch.hpp>

#include "tests/child_process.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {
namespace {

namespace asio = boost::asio;

// Writes `requests` on one connection, the last with Connection: close, and returns every
// byte the server sent until it closed.
std::string bytes_exchanged(unsigned short port, std::string_view requests) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(requests));
  std::string received;
  boost::system::error_code error;
  std::array<char, 4096> chunk{};
  while (!error) {
    const std::size_t read = socket.read_some(asio::buffer(chunk), error);
    received.append(chunk.data(), read);
  }
  return received;
}

std::size_t count_of(std::string_view text, std::string_view part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string_view::npos;
       at = text.find(part, at + part.size())) {
    ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("HEAD gets GET's headers without a body and the next response follows at once",
          "[process]") {
  TempFolder folder("http-head");
  ChildProcess server(
      build_path("loket"),
      loopback_serve_arguments(source_path("schemes/rehearsal.toml"), folder.path("journal"), {}));
  const auto port = server.wait_listening(std::chrono::seconds(20));
  INFO(server.log());
  REQUIRE(port);
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string alone = bytes_exchanged(*port, get);
  const std::string after_head =
      bytes_exchanged(*port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + get);
  const std::size_t head_end = after_head.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::string head = after_head.substr(0, head_end + 4);
  // The GET's answer begins right after HEAD's blank line, and is the answer GET gets alone.
  CHECK(after_head.substr(head_end + 4) == alone);
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  const std::size_t body_at = alone.find("\r\n\r\n") + 4;
  CHECK(head.find(fmt::format("Content-Length: {}\r\n", alone.size() - body_at)) !=
        std::string::npos);

  // A path that serves POST: 405 naming it, and still no body.
  const std::string refused =
      bytes_exchanged(*port, "HEAD /v1/tranches/t2/submissions HTTP/1.1\r\nHost: x\r\n\r\n" + get);
  CHECK(refused.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  CHECK(refused.find("Allow: POST\r\n") != std::string::npos);
  CHECK(count_of(refused, "HTTP/1.1 ") == 2);
  CHECK(refused.substr(refused.find("\r\n\r\n") + 4) == alone);
  // A stream has no HEAD (its headers are those of a stream begun): 405 Allow GET, no body.
  const std::string stream =
      bytes_exchanged(*port,
                      "HEAD /v1/export/events.csv HTTP/1.1\r\nHost: "
                      "x\r\nAuthorization: Bearer dev-auditor-token\r\n\r\n" +
                          get);
  CHECK(stream.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
  CHECK(stream.find("Allow: GET\r\n") != std::string::npos);
  CHECK(count_of(stream, "HTTP/1.1 ") == 2);
  CHECK(stream.substr(stream.find("\r\n\r\n") + 4) == alone);
  // A HEAD does not mute the next answer on its connection, an error before a header
  // included: that one still carries its body.
  const std::string after_error =
      bytes_exchanged(*port, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nBOGUS\r\n\r\n");
  const std::size_t second = after_error.find("HTTP/1.1 400 ");
  REQUIRE(second != std::string::npos);
  CHECK(after_error.substr(second).find("{\"type\":\"urn:loket:problem:bad-request\"") !=
        std::string::npos);
  // HEAD and GET get the same headers for the same mistake.
  const auto headers_of = [&](std::string_view method) {
    const std::string answer = bytes_exchanged(
        *port, fmt::format("{} /v1/proofs/consistency HTTP/1.1\r\nHost: x\r\nAuthorization: "
                           "Bearer dev-auditor-token\r\nConnection: close\r\n\r\n",
                           method));
    return answer.substr(0, answer.find("\r\n\r\n"));
  };
  CHECK(headers_of("HEAD") == headers_of("GET"));
  CHECK(headers_of("GET").starts_with("HTTP/1.1 400 "));
  // Another method on a GET path names both.
  const std::string put = bytes_exchanged(*port,
                                          "PUT /healthz HTTP/1.1\r\nHost: x\r\nConnection: "
                                          "close\r\nContent-Length: 0\r\n\r\n");
  CHECK(put.find("Allow: GET, HEAD\r\n") != std::string::npos);
}

}  // namespace loket::testing
