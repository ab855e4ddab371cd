#include "loadgen/http_fetch.hpp"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <stdexcept>

#include "loadgen/tls_client.hpp"

namespace loket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr std::uint64_t fetch_body_bytes_max = std::uint64_t{8} << 30;

}  // namespace

std::optional<HttpTarget> parse_target(std::string_view url) {
  constexpr std::string_view plain = "http://";
  constexpr std::string_view secure = "https://";
  const bool tls = url.starts_with(secure);
  if (!tls && !url.starts_with(plain)) return std::nullopt;
  url.remove_prefix(tls ? secure.size() : plain.size());
  if (url.ends_with('/')) url.remove_suffix(1);
  const std::size_t colon = url.rfind(':');
  HttpTarget target{std::string(url.substr(0, colon)), static_cast<unsigned short>(tls ? 443 : 80),
                    tls, nullptr};
  if (colon != std::string_view::npos) {
    const std::string_view port = url.substr(colon + 1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    target.port = static_cast<unsigned short>(value);
  }
  if (target.host.empty() || target.host.find('/') != std::string::npos) return std::nullopt;
  return target;
}

namespace {

// The request and its answer on a connected stream. Asynchronous, because only asynchronous
// operations honour the stream's deadline (Beast's blocking calls have none).
template <class Stream>
asio::awaitable<Fetched> exchange(Stream& stream, const HttpTarget& target, std::string_view method,
                                  std::string_view path, std::string_view token,
                                  std::string_view json_body) {
  http::request<http::string_body> request{http::string_to_verb(method), path, 11};
  request.set(http::field::host, target.host);
  if (!token.empty()) request.set(http::field::authorization, fmt::format("Bearer {}", token));
  if (!json_body.empty()) {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(json_body);
  }
  request.prepare_payload();
  co_await http::async_write(stream, request, asio::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(fetch_body_bytes_max);
  co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
  co_return Fetched{parser.get().result_int(), std::move(parser.get().body())};
}

asio::awaitable<Fetched> connect_and_exchange(const HttpTarget& target, std::string_view method,
                                              std::string_view path, std::string_view token,
                                              std::string_view json_body,
                                              std::chrono::seconds timeout) {
  const auto executor = co_await asio::this_coro::executor;
  const auto endpoints = co_await asio::ip::tcp::resolver(executor).async_resolve(
      target.host, std::to_string(target.port), asio::use_awaitable);
  if (!target.tls) {
    beast::tcp_stream stream(executor);
    stream.expires_after(timeout);  // one deadline for the whole exchange
    co_await stream.async_connect(endpoints, asio::use_awaitable);
    co_return co_await exchange(stream, target, method, path, token, json_body);
  }
  if (!target.tls_context) throw std::invalid_argument("an https:// target needs TLS settings");
  TlsStream stream(executor, *target.tls_context);
  if (!prepare_tls_stream(stream, target.host)) {
    throw std::invalid_argument(target.host + ": not usable as a TLS server name");
  }
  beast::get_lowest_layer(stream).expires_after(timeout);
  co_await beast::get_lowest_layer(stream).async_connect(endpoints, asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  co_return co_await exchange(stream, target, method, path, token, json_body);
}

}  // namespace

Result<Fetched> fetch(const HttpTarget& target, std::string_view method, std::string_view path,
                      std::string_view token, std::string_view json_body,
                      std::chrono::seconds timeout) {
  asio::io_context io;
  auto answer = asio::co_spawn(
      io, connect_and_exchange(target, method, path, token, json_body, timeout), asio::use_future);
  io.run();
  try {
    return answer.get();
  } catch (const boost::system::system_error& error) {
    // The code's words only: what() appends the library's source location.
    return Status::unavailable(error.code().message());
  } catch (const std::invalid_argument& error) {
    return Status::invalid_argument(error.what());
  }
}

}  // namespace loket
