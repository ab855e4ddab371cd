#include "tests/http_client.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/json.hpp>
#include <stdexcept>
#include <thread>

#include "parse/strict_json.hpp"

namespace loket::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Strictly, as loket parses what it is sent: every body the tests read is checked to be
// JSON that a strict client accepts (no key twice).
boost::json::value Answer::json() const {
  Result<boost::json::value> parsed = parse_strict_json(body);
  if (!parsed.ok()) {
    throw std::runtime_error(fmt::format("the answer is not strict JSON ({}): {}",
                                         parsed.status().message(), body.substr(0, 1000)));
  }
  return std::move(parsed).value();
}

std::string Answer::problem_type() const {
  constexpr std::string_view prefix = "urn:loket:problem:";
  if (content_type != "application/problem+json") return {};
  const boost::json::value parsed = json();
  const std::string_view type = parsed.as_object().at("type").as_string();
  return std::string(type.starts_with(prefix) ? type.substr(prefix.size()) : type);
}

Client::Client(unsigned short port) : socket_(io_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
}

Answer Client::send(http::verb verb, std::string_view target, std::string_view token,
                    std::string body, std::string_view content_type,
                    std::string_view idempotency_key) {
  http::request<http::string_body> request{verb, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!token.empty()) request.set(http::field::authorization, fmt::format("Bearer {}", token));
  if (!body.empty()) request.set(http::field::content_type, content_type);
  if (!idempotency_key.empty()) request.set("Idempotency-Key", idempotency_key);
  request.body() = std::move(body);
  request.keep_alive(true);
  request.prepare_payload();
  http::write(socket_, request);
  return read_answer();
}

std::optional<Answer> Client::send_raw(std::string_view bytes) {
  beast::error_code error;
  asio::write(socket_, asio::buffer(bytes), error);
  // A server may close before taking all of a request it has already refused.
  if (error && error != asio::error::broken_pipe && error != asio::error::connection_reset) {
    throw boost::system::system_error(error);
  }
  try {
    return read_answer();
  } catch (const boost::system::system_error& closed) {
    if (closed.code() == http::error::end_of_stream || closed.code() == asio::error::eof ||
        closed.code() == asio::error::connection_reset) {
      return std::nullopt;
    }
    throw;
  }
}

void Client::write_raw(std::string_view bytes) {
  asio::write(socket_, asio::buffer(bytes));
}

bool Client::closed_by_server(std::chrono::milliseconds timeout) {
  // A poll, not SO_RCVTIMEO: Asio's blocking read waits on after the receive timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char bytes[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd entry{socket_.native_handle(), POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;  // still open at the deadline
    beast::error_code error;
    socket_.read_some(asio::buffer(bytes), error);  // readable: does not block
    if (error == asio::error::eof || error == asio::error::connection_reset) return true;
    if (error) return false;
  }
}

Answer Client::read_answer() {
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);  // the export tests read whole journals
  http::read(socket_, buffer_, parser);
  const http::response<http::string_body>& response = parser.get();
  return {response.result_int(), std::string(response[http::field::content_type]), response.body(),
          std::string(response[http::field::retry_after]), response.base()};
}

bool readyz_becomes(unsigned short port, unsigned status, std::chrono::milliseconds timeout) {
  constexpr std::chrono::milliseconds poll_interval{10};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Client client(port);
  while (std::chrono::steady_clock::now() < deadline) {
    if (client.send(http::verb::get, "/readyz", "").status == status) return true;
    std::this_thread::sleep_for(poll_interval);
  }
  return false;
}

}  // namespace loket::testing
