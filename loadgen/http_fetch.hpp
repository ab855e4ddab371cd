// A plain HTTP/1.1 client for the load generator's own requests (the tranche's state, the
// export, a close): one request per connection, over TLS for an https:// target, bounded in
// time, errors as text.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace boost::asio::ssl {
class context;
}

namespace loket {

struct HttpTarget {
  std::string host;
  unsigned short port = 80;
  bool tls = false;  // https://
  // For an https:// target: how the server's certificate is checked (tls_client.hpp).
  std::shared_ptr<boost::asio::ssl::context> tls_context;
};

// "http://HOST[:PORT]" or "https://HOST[:PORT]" (port 80 or 443 by default); nothing for
// anything else.
std::optional<HttpTarget> parse_target(std::string_view url);

struct Fetched {
  unsigned status = 0;
  std::string body;
};

// Long enough for an export of a large journal.
inline constexpr std::chrono::seconds fetch_timeout{300};

// The answer, whatever its status; unavailable when there is none (no connection, nothing
// within `timeout` for the connection, the handshake, the request and the answer together, a
// malformed or oversized answer).
Result<Fetched> fetch(const HttpTarget& target, std::string_view method, std::string_view path,
                      std::string_view token, std::string_view json_body = {},
                      std::chrono::seconds timeout = fetch_timeout);

}  // namespace loket
