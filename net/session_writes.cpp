// The session's replies, written in the order their requests came (net/reply_queue.hpp),
// what is read next, and the end of a connection.
#include "net/session.hpp"

namespace loket::net_session {

// The reply to the request just read.
template <class Stream>
void Session<Stream>::send(Reply reply, const ExtraHeaders& extra) {
  fill(replies_.open(head_request_, keep_alive_, started_), std::move(reply), extra);
}

template <class Stream>
void Session<Stream>::fill(ReplyQueue::Ticket ticket, Reply reply, const ExtraHeaders& extra) {
  replies_.fill(ticket, std::move(reply), extra, server_.draining.load());
  write_ready();
}

// Every reply ready at the front, in one writev; the rest wait for the one before them.
template <class Stream>
void Session<Stream>::write_ready() {
  if (writing_) return;
  if (closed_) return drop_unwritable();
  const std::span<const asio::const_buffer> buffers = replies_.take_ready();
  if (buffers.empty()) return;
  writing_ = true;
  write_expires_after(server_.options.write_timeout);
  asio::async_write(stream_, buffers,
                    [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                      self->on_written(error);
                    });
}

// After close(), a reply that comes in (a job handed over before) is not written, but it is
// still counted out, so that the shutdown drain does not wait for it.
template <class Stream>
void Session<Stream>::drop_unwritable() {
  if (writing_) return;  // on_written comes back here
  while (!replies_.take_ready().empty()) {
    replies_.written([this](ReplyQueue::TimePoint) { server_.requests_in_flight.fetch_sub(1); });
  }
}

template <class Stream>
void Session<Stream>::on_written(beast::error_code error) {
  write_done();
  const auto now = std::chrono::steady_clock::now();
  const bool keep =
      replies_.written([this, now](ReplyQueue::TimePoint started) { answered(started, now); });
  if (error || !keep) {
    close();
    return drop_unwritable();
  }
  write_ready();
  if (writing_ || !replies_.empty()) return read_next();
  if (after_replies_) {
    const std::function<void()> then = std::move(after_replies_);
    after_replies_ = nullptr;
    return then();
  }
  if (closing_) return close();
  read_next();
}

// A request's answer is written (or its stream ended): its acknowledgement latency counts,
// and it is no longer in flight.
template <class Stream>
void Session<Stream>::answered(ReplyQueue::TimePoint started, ReplyQueue::TimePoint now) {
  server_.latency.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - started).count()));
  server_.requests_in_flight.fetch_sub(1);
}

// The next request is read once every reply owed is written, or at once when the client has
// already sent some of it (pipelining), up to pipelined_requests_max outstanding.
template <class Stream>
void Session<Stream>::read_next() {
  if (reading_ || closing_ || streaming() || after_replies_) return;
  if (replies_.empty() && !writing_) return read();
  if (buffer_.size() > 0 && replies_.size() < pipelined_requests_max) read();
}

// The client is gone or has stopped sending: what it is owed is still written.
template <class Stream>
void Session<Stream>::stop_reading() {
  read_done();
  closing_ = true;
  after_replies_ = nullptr;
  if (replies_.empty() && !writing_) close();
}

template <class Stream>
void Session<Stream>::finish_stream(beast::error_code error, bool keep) {
  answered(started_, std::chrono::steady_clock::now());
  if (error || !keep) return close();
  read_next();
}

template <class Stream>
void Session<Stream>::close() {
  if (closed_) return;
  closed_ = true;
  closing_ = true;
  read_done();
  drop_unwritable();
  if constexpr (is_tls) {
    // close_notify, so that the client can tell the end from a truncation; bounded.
    write_expires_after(tls_shutdown_timeout);
    return stream_.async_shutdown(
        [self = this->shared_from_this()](beast::error_code) { self->close_socket(); });
  }
  close_socket();
}

template <class Stream>
void Session<Stream>::close_socket() {
  beast::error_code ignored;
  lowest().shutdown(tcp::socket::shutdown_send, ignored);
  lowest().close(ignored);
}

template class Session<tcp::socket>;
template class Session<beast::ssl_stream<tcp::socket>>;

}  // namespace loket::net_session
