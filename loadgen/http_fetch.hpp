// A plain HTTP/1.1 client for the load generator's own requests (the tranche's state, the
// export, a close): one request per connection, bounded in time, errors as text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace loket {

struct HttpTarget {
  std::string host;
  unsigned short port = 80;
};

// "http://HOST[:PORT]"; nothing for anything else.
std::optional<HttpTarget> parse_target(std::string_view url);

struct Fetched {
  unsigned status = 0;  // 0: no answer; error says why
  std::string body;
  std::string error;
};

Fetched fetch(const HttpTarget& target, std::string_view method, std::string_view path,
              std::string_view token, std::string_view json_body = {});

}  // namespace loket
