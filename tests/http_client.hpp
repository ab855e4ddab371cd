// A blocking HTTP/1.1 client on one kept-alive loopback connection, for the tests that talk
// to a server: well-formed requests with a bearer token, or raw bytes for the hostile ones.
// Transport errors throw boost::system::system_error.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace loket::testing {

struct Answer {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  std::string retry_after;
  boost::beast::http::fields headers;
  // The body, parsed as strictly as loket parses what it is sent (no key twice); throws
  // std::runtime_error naming the problem when it is not.
  boost::json::value json() const;
  // The problem's "type" without its "urn:loket:problem:" prefix; empty when the answer is
  // not application/problem+json.
  std::string problem_type() const;
};

class Client {
 public:
  explicit Client(unsigned short port);
  Answer send(boost::beast::http::verb verb, std::string_view target, std::string_view token,
              std::string body = {}, std::string_view content_type = "application/json",
              std::string_view idempotency_key = {});
  // Writes the bytes as they are, then reads one response; nothing when the server closed
  // the connection instead of answering.
  std::optional<Answer> send_raw(std::string_view bytes);
  // Writes the bytes and reads nothing.
  void write_raw(std::string_view bytes);
  // Waits up to `timeout` for the server to close the connection (reading and dropping
  // whatever comes first); false when it is still open then.
  bool closed_by_server(std::chrono::milliseconds timeout);

 private:
  Answer read_answer();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

// Polls GET /readyz on a connection of its own until it answers `status`; false when it has
// not by the timeout.
bool readyz_becomes(unsigned short port, unsigned status, std::chrono::milliseconds timeout);

}  // namespace loket::testing
