// A connection's replies: each head rendered exactly, and the replies written in the order
// their requests came, whatever order they were decided in (net/reply_queue.hpp).
#include <boost/asio/buffer.hpp>
#include <catch2/catch.hpp>

#include "net/reply_queue.hpp"

namespace loket::testing {
namespace {

std::string head_of(const Reply& reply, bool keep_alive, std::span<const HeaderField> extra = {}) {
  std::string out;
  render_response_head(reply, keep_alive, extra, out);
  return out;
}

// What one write of the queue's ready replies would send.
std::string bytes_of(std::span<const boost::asio::const_buffer> buffers) {
  std::string bytes;
  for (const boost::asio::const_buffer& buffer : buffers) {
    bytes.append(static_cast<const char*>(buffer.data()), buffer.size());
  }
  return bytes;
}

Reply json_reply(int status, std::string body) {
  return Reply{status, std::move(body), false, 0, {}};
}

}  // namespace

TEST_CASE("A reply's head has its status line, fields and length, and closes when asked",
          "[unit]") {
  Reply created = json_reply(201, R"({"seq":1})");
  created.location = "/v1/submissions/a";
  created.idempotent_replay = true;
  CHECK(head_of(created, true) ==
        "HTTP/1.1 201 Created\r\nServer: loket\r\nContent-Type: application/json\r\n"
        "Content-Length: 9\r\nLocation: /v1/submissions/a\r\nIdempotent-Replayed: true\r\n\r\n");
  Reply unauthorized = json_reply(401, "{}");
  unauthorized.problem = true;
  CHECK(head_of(unauthorized, false) ==
        "HTTP/1.1 401 Unauthorized\r\nServer: loket\r\nContent-Type: "
        "application/problem+json\r\nContent-Length: 2\r\nWWW-Authenticate: Bearer "
        "realm=\"loket\"\r\nConnection: close\r\n\r\n");
  Reply busy = json_reply(503, "");
  busy.retry_after_seconds = 1;
  busy.content_type = "text/plain; charset=utf-8";
  const std::vector<HeaderField> extra = {{"Allow", "GET"}};
  CHECK(head_of(busy, true, extra) ==
        "HTTP/1.1 503 Service Unavailable\r\nServer: loket\r\nContent-Type: text/plain; "
        "charset=utf-8\r\nContent-Length: 0\r\nRetry-After: 1\r\nAllow: GET\r\n\r\n");
}

TEST_CASE("A header value with CR or LF is left out rather than split the head", "[unit]") {
  Reply redirect = json_reply(307, "{}");
  redirect.location = "http://leader/\r\nSet-Cookie: x";
  const std::vector<HeaderField> extra = {{"X-Split", "a\nb"}, {"X-Kept", "c"}};
  const std::string head = head_of(redirect, true, extra);
  CHECK(head.find("Location") == std::string::npos);
  CHECK(head.find("Set-Cookie") == std::string::npos);
  CHECK(head.find("X-Split") == std::string::npos);
  CHECK(head.find("X-Kept: c\r\n") != std::string::npos);
  // Status codes at and beyond the edges of the table still give a well-formed line.
  CHECK(head_of(json_reply(599, ""), true).starts_with("HTTP/1.1 599 "));
  CHECK(head_of(json_reply(600, ""), true).starts_with("HTTP/1.1 500 "));
  CHECK(head_of(json_reply(-1, ""), true).starts_with("HTTP/1.1 500 "));
}

TEST_CASE("Replies go out in request order: a later one decided first waits for the first",
          "[unit]") {
  ReplyQueue queue;
  const auto now = std::chrono::steady_clock::now();
  const ReplyQueue::Ticket first = queue.open(false, true, now);
  const ReplyQueue::Ticket second = queue.open(true, true, now);  // a HEAD
  const ReplyQueue::Ticket third = queue.open(false, true, now);
  queue.fill(third, json_reply(200, "third"), {}, false);
  queue.fill(second, json_reply(200, "second"), {}, false);
  CHECK(queue.take_ready().empty());  // the first is not decided yet
  queue.fill(first, json_reply(201, "first"), {}, false);
  const std::string written = bytes_of(queue.take_ready());
  CHECK(written.find("first") < written.find("third"));
  CHECK(written.find("second") == std::string::npos);  // HEAD: the length, not the body
  CHECK(written.find("Content-Length: 6\r\n") != std::string::npos);
  std::size_t counted = 0;
  CHECK(queue.written([&](ReplyQueue::TimePoint) { ++counted; }));
  CHECK(counted == 3);
  CHECK(queue.empty());
  // Tickets go on counting after the queue was emptied.
  const ReplyQueue::Ticket fourth = queue.open(false, true, now);
  CHECK(fourth == third + 1);
  queue.fill(fourth, json_reply(200, "fourth"), {}, false);
  CHECK(bytes_of(queue.take_ready()).ends_with("fourth"));
}

TEST_CASE("Nothing is written after a reply that closes the connection", "[unit]") {
  ReplyQueue queue;
  const auto now = std::chrono::steady_clock::now();
  const ReplyQueue::Ticket kept = queue.open(false, true, now);
  const ReplyQueue::Ticket drained = queue.open(false, true, now);
  const ReplyQueue::Ticket after = queue.open(false, true, now);
  queue.fill(kept, json_reply(200, "kept"), {}, false);
  queue.fill(drained, json_reply(200, "drained"), {}, true);  // the server began to shut down
  queue.fill(after, json_reply(200, "after"), {}, false);
  const std::string written = bytes_of(queue.take_ready());
  CHECK(written.find("drained") != std::string::npos);
  CHECK(written.find("Connection: close\r\n") != std::string::npos);
  CHECK(written.find("after") == std::string::npos);
  CHECK_FALSE(queue.written([](ReplyQueue::TimePoint) {}));
  CHECK(queue.size() == 1);
}

}  // namespace loket::testing
