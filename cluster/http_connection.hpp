// One kept-alive HTTP/1.1 connection to one etcd member, for the client's JSON requests
// (internal to cluster/); each request asks the member to refuse it when it has no leader. Blocking
// calls, each bounded in time: Asio's operations run on the caller's thread with Beast's
// per-operation deadlines, which a synchronous call would not honour.
//
// What the client needs to fail over safely is whether a failed request may have reached the
// member: `request_sent` is false only when the member certainly did not get all of it (no
// connection, or the write failed), so that even a write may then be sent to another member.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.hpp"

namespace loket {

// A member's client URL: "http://HOST:PORT" (an IPv6 host in brackets), nothing after it but
// an optional "/".
struct EtcdEndpoint {
  std::string url;  // as given, without the trailing "/"
  std::string host;
  std::uint16_t port = 0;
};
Result<EtcdEndpoint> parse_etcd_endpoint(std::string_view url);

struct HttpAnswer {
  unsigned status = 0;
  std::string body;
};

struct HttpExchange {
  Result<HttpAnswer> answer;
  bool request_sent = false;  // when the answer failed: whether the member may have got it
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{0};
  std::chrono::milliseconds request{0};  // writing the request and reading the whole answer
};

class HttpConnection {
 public:
  HttpConnection(boost::asio::io_context& io, EtcdEndpoint endpoint, std::size_t body_bytes_max);

  // POSTs `body` as JSON to `target`, connecting first if need be.
  HttpExchange post(std::string_view target, const std::string& body, const HttpTimeouts& timeouts);
  void close();
  const EtcdEndpoint& endpoint() const { return endpoint_; }

 private:
  Status connect(std::chrono::milliseconds timeout);
  // A kept-alive connection the member has closed (it restarted, or went away) shows as
  // readable while no answer is due; it is dropped before anything is sent on it.
  bool idle_and_open();

  boost::asio::io_context& io_;
  EtcdEndpoint endpoint_;
  std::size_t body_bytes_max_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace loket
