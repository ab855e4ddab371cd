// One session per connection: it reads requests within their limits and timeouts, answers
// what needs no pipeline, hands the rest to the pipeline through request_dispatch, and writes
// the replies in request order (session_writes.cpp; an export and the dashboard's events as
// chunked streams, in session_streams.cpp). Each session runs on its I/O thread alone
// (net/io_thread.hpp): no strand, and no timer of its own, only a deadline that the thread's sweep
// enforces. Internal to net/.
#pragma once

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>

#include "net/export_stream.hpp"
#include "net/io_thread.hpp"
#include "net/limits.hpp"
#include "net/ops_page.hpp"
#include "net/reply_queue.hpp"
#include "net/request_dispatch.hpp"
#include "net/response_head.hpp"
#include "net/server_impl.hpp"

namespace loket::net_session {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

inline constexpr std::chrono::milliseconds tls_shutdown_timeout{1000};
inline constexpr std::size_t first_read_bytes = 4096;
inline constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";
inline constexpr std::string_view header_block_end = "\r\n\r\n";
// Requests a pipelining client may have outstanding on one connection; beyond this, its next
// request is read once a reply has been written.
inline constexpr std::size_t pipelined_requests_max = 16;

inline Problem headers_too_large() {
  return make_problem(431, "headers-too-large", "The headers are too large",
                      fmt::format("at most {} bytes", net_limits::header_bytes_max));
}

// Stream: tcp::socket, or beast::ssl_stream<tcp::socket> for TLS.
template <class Stream>
class Session : public IoConnection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArguments>
  Session(Server::Impl& server, IoThread& thread, StreamArguments&&... arguments)
      : stream_(std::forward<StreamArguments>(arguments)...), server_(server), thread_(thread) {}
  // Gives back the connection's place, taken when it was accepted (Server::Impl::accept). May
  // run on the allocator thread (when it drops a completed job last): touches no state of
  // the I/O thread's.
  ~Session() override { server_.connections.fetch_sub(1); }

  void deadline_passed() override {
    beast::error_code ignored;
    lowest().close(ignored);  // what is pending completes with operation_aborted
  }
  void take_outcome(std::uint64_t ticket, JobOutcome outcome) override {
    fill(ticket, render_reply(outcome));
  }
  void queue_full(std::uint64_t ticket) override {
    fill(ticket, problem_reply(busy_problem("too many requests are waiting",
                                            net_limits::queue_full_retry_after_seconds)));
  }

  void start() {
    thread_.watch(this->shared_from_this());
    if constexpr (is_tls) {
      // The handshake is part of the first request: it gets the read timeout.
      read_expires_after(server_.options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error) return self->close();
                                self->read();
                              });
    } else {
      read();
    }
  }

 private:
  // Two phases: the next request may take idle_timeout to begin; once its first bytes are
  // in, the whole request must arrive within read_timeout. A client that trickles bytes
  // (slow loris) is cut off then; the others are served meanwhile.
  void read() {
    reading_ = true;
    head_request_ = false;  // until this request's header says otherwise
    parser_.emplace();
    parser_->body_limit(net_limits::body_bytes_max);
    parser_->header_limit(static_cast<std::uint32_t>(net_limits::header_bytes_max));
    admitted_.reset();
    if (buffer_.size() > 0) return start_request();  // bytes of it already arrived
    read_expires_after(server_.options.idle_timeout);
    read_more([self = this->shared_from_this()] { self->start_request(); });
  }

  template <class Then>
  void read_more(Then then) {
    stream_.async_read_some(
        buffer_.prepare(first_read_bytes),
        [self = this->shared_from_this(), then](beast::error_code error, std::size_t bytes) {
          if (error) return self->stop_reading();
          self->buffer_.commit(bytes);
          then();
        });
  }

  void start_request() {
    read_expires_after(server_.options.read_timeout);
    read_header();
  }

  // The header block is read whole before Beast parses it, so that what Beast would quietly
  // repair (a folded line) is refused on the raw bytes, and the header limit holds to the
  // byte: the block, through its blank line, is counted here whatever the reads were.
  void read_header() {
    const std::string_view received(static_cast<const char*>(buffer_.data().data()),
                                    buffer_.size());
    const std::size_t end = received.find(header_block_end);
    const std::size_t block_bytes =
        end == std::string_view::npos ? received.size() : end + header_block_end.size();
    if (block_bytes > net_limits::header_bytes_max) {
      return answer_and_close(headers_too_large());
    }
    if (end == std::string_view::npos) {
      return read_more([self = this->shared_from_this()] { self->read_header(); });
    }
    if (end != std::string_view::npos && has_obsolete_line_folding(received.substr(0, end + 2))) {
      return answer_and_close(make_problem(400, "bad-request", "The request is not valid HTTP/1.1",
                                           "a header line is folded onto the next (obs-fold)"));
    }
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  // The framing decides how much of what follows is this request's body; when it is not
  // unambiguous, nothing more on this connection is read.
  void on_header(beast::error_code error, std::size_t) {
    if (connection_gone(error)) return stop_reading();
    if (error) return answer_unreadable(error);
    const RequestHeader& header = parser_->get().base();
    head_request_ = header.method() == http::verb::head;
    if (auto problem = framing_problem(header)) return answer_and_close(*problem);
    if (!expects_continue(header)) return read_body();
    // 100 Continue is written now, in order: after every reply the connection still owes.
    if (!replies_.empty() || writing_) {
      read_done();
      after_replies_ = [self = this->shared_from_this()] { self->answer_continue(); };
      return;
    }
    answer_continue();
  }

  // The client waits before sending its body: what the header alone decides is answered
  // now, without the body, and the connection closed (its body would follow otherwise).
  void answer_continue() {
    reading_ = true;
    const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    auto admitted = admit_request(parser_->get(), has_body, server_);
    if (auto* problem = std::get_if<Problem>(&admitted)) return answer_and_close(*problem);
    admitted_ = std::get<AdmittedRequest>(std::move(admitted));
    read_expires_after(server_.options.read_timeout);
    writing_ = true;
    asio::async_write(
        stream_, asio::buffer(continue_response),
        [self = this->shared_from_this()](beast::error_code write_error, std::size_t) {
          self->writing_ = false;
          if (write_error) return self->close();
          self->read_body();
        });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, this->shared_from_this()));
  }

  void on_body(beast::error_code error, std::size_t) {
    if (connection_gone(error)) return stop_reading();
    if (error) return answer_unreadable(error);
    read_done();
    begin_answer();
    keep_alive_ = parser_->get().keep_alive();
    if (!keep_alive_) closing_ = true;  // nothing after this request is read
    handle(parser_->release());
    read_next();
  }

  static bool connection_gone(beast::error_code error) {
    return error == http::error::end_of_stream || error == asio::error::connection_reset ||
           error == asio::error::operation_aborted || error == asio::error::bad_descriptor;
  }

  // A request is being answered from here on: it counts as in flight until its reply is
  // written, and it arrived now.
  void begin_answer() {
    received_at_ = Pipeline::system_clock_now();
    started_ = std::chrono::steady_clock::now();
    server_.requests_in_flight.fetch_add(1);
  }

  // The problem, then the connection closes: what follows on it cannot be told apart from
  // this request's body.
  void answer_and_close(const Problem& problem) {
    read_done();
    closing_ = true;
    begin_answer();
    keep_alive_ = false;
    send_problem(problem);
  }

  void answer_unreadable(beast::error_code error) {
    if (error == http::error::body_limit) {
      return answer_and_close(
          make_problem(413, "body-too-large", "The body is too large",
                       fmt::format("at most {} bytes", net_limits::body_bytes_max)));
    }
    if (error == http::error::header_limit) {
      return answer_and_close(headers_too_large());
    }
    answer_and_close(
        make_problem(400, "bad-request", "The request is not valid HTTP/1.1", error.message()));
  }

  void handle(StringRequest request) {
    auto admitted = admitted_ ? std::variant<AdmittedRequest, Problem>(std::move(*admitted_))
                              : admit_request(request, !request.body().empty(), server_);
    if (auto* problem = std::get_if<Problem>(&admitted)) return send_problem(*problem);
    const RouteMatch& route = std::get<AdmittedRequest>(admitted).route;
    if (route.endpoint == Endpoint::export_records || route.endpoint == Endpoint::ops_stream) {
      return start_stream(route);
    }
    if (route.endpoint == Endpoint::ops_page) {
      Reply reply{200, ops_page().html, false, 0, {}};
      reply.content_type = net_limits::html_content_type;
      return send(std::move(reply),
                  {{"Content-Security-Policy", ops_page().content_security_policy},
                   {"Cache-Control", "no-store"},
                   {"X-Content-Type-Options", "nosniff"},
                   {"Referrer-Policy", "no-referrer"}});
    }
    if (route.endpoint == Endpoint::healthz || route.endpoint == Endpoint::readyz ||
        route.endpoint == Endpoint::cluster || route.endpoint == Endpoint::metrics) {
      return send(server_.immediate(route));
    }
    auto made =
        job_for_request(std::get<AdmittedRequest>(admitted), request, received_at_, server_);
    if (auto* problem = std::get_if<Problem>(&made)) return send_problem(*problem);
    hand_over(std::get<std::unique_ptr<Job>>(std::move(made)));
  }

  // The outcome comes back on the allocator thread; the I/O thread takes it with the rest of
  // its batch and calls take_outcome (or queue_full, if the queue had no room) with the
  // ticket that keeps its place among the connection's replies.
  void hand_over(std::unique_ptr<Job> job) {
    const ReplyQueue::Ticket ticket = replies_.open(head_request_, keep_alive_, started_);
    job->complete = [thread = &thread_, self = this->shared_from_this(),
                     ticket](JobOutcome outcome) mutable {
      thread->complete(std::move(self), ticket, std::move(outcome));
    };
    thread_.hand_over(std::move(job), ticket, this->shared_from_this());
  }

  // A stream writes its own chunks, so it starts once every earlier reply is written.
  void start_stream(const RouteMatch& route) {
    if (!replies_.empty() || writing_) {
      after_replies_ = [self = this->shared_from_this(), route] { self->start_stream(route); };
      return;
    }
    if (route.endpoint == Endpoint::export_records) {
      return start_export(route.export_kind, route.csv_dialect);
    }
    start_ops_stream();
  }

  // With the headers RFC 9110 asks for: Allow on 405, a challenge on 401 (send adds it).
  void send_problem(const Problem& problem) {
    ExtraHeaders headers;
    if (!problem.allow.empty()) headers.emplace_back("Allow", problem.allow);
    send(problem_reply(problem), std::move(headers));
  }

  using ExtraHeaders = std::vector<HeaderField>;

  // The reply to the request just read (session_writes.cpp).
  void send(Reply reply, const ExtraHeaders& extra = {});
  void fill(ReplyQueue::Ticket ticket, Reply reply, const ExtraHeaders& extra = {});
  void write_ready();
  void on_written(beast::error_code error);
  void answered(ReplyQueue::TimePoint started, ReplyQueue::TimePoint now);
  void read_next();
  void stop_reading();
  void drop_unwritable();
  void finish_stream(beast::error_code error, bool keep);
  void close();
  void close_socket();

  static constexpr bool is_tls = !std::is_same_v<Stream, tcp::socket>;

  tcp::socket& lowest() { return beast::get_lowest_layer(stream_); }
  // A read and a write may both be under way (a pipelining client): the earlier bounds.
  void read_expires_after(std::chrono::milliseconds timeout) {
    read_deadline_ = Clock::now() + timeout;
    deadline = writing_ ? std::min(read_deadline_, write_deadline_) : read_deadline_;
  }
  void write_expires_after(std::chrono::milliseconds timeout) {
    write_deadline_ = Clock::now() + timeout;
    deadline = reading_ ? std::min(read_deadline_, write_deadline_) : write_deadline_;
  }
  void write_done() {
    writing_ = false;
    deadline = reading_ ? read_deadline_ : Clock::time_point::max();
  }
  // Once a request is read, or reading stops, only a write under way bounds the connection:
  // a reply that waits for the pipeline (a slow disk, a journal being reopened) is the
  // server's wait, not the client's.
  void read_done() {
    reading_ = false;
    deadline = writing_ ? write_deadline_ : Clock::time_point::max();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body, FieldPoolAllocator<char>>> parser_;
  struct ChunkedState {
    http::response<http::empty_body> response;
    std::optional<http::response_serializer<http::empty_body>> serializer;
    std::string chunk;
  };
  struct ExportState : ChunkedState {
    ExportState(std::shared_ptr<const Journal> exported, ExportKind kind, const CsvDialect& dialect,
                std::uint64_t through_sequence)
        : journal(std::move(exported)), rows(*journal, kind, dialect, through_sequence) {}
    std::shared_ptr<const Journal> journal;  // outlives the rows, which read it
    ExportStream rows;
  };
  struct OpsState : ChunkedState {
    explicit OpsState(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
  };
  std::unique_ptr<ExportState> export_;
  std::unique_ptr<OpsState> ops_;
  Server::Impl& server_;
  IoThread& thread_;
  ReplyQueue replies_;
  std::optional<AdmittedRequest> admitted_;  // after 100 Continue: what the header decided
  std::function<void()> after_replies_;      // waits for every reply owed to be written
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_ = Clock::time_point::max();
  // The request being read or just read.
  TimestampNs received_at_ = 0;
  std::chrono::steady_clock::time_point started_;
  bool keep_alive_ = false;
  bool head_request_ = false;
  bool reading_ = false;  // a request is being read
  bool writing_ = false;  // a write is under way (replies, 100 Continue, a stream's)
  bool closing_ = false;  // no more requests are read; close once the replies are out
  bool closed_ = false;   // close() began: nothing more is written
  // An export or the dashboard's stream owns the connection's writes.
  bool streaming() const { return export_ || ops_; }

  // session_streams.cpp: the chunked replies, an export and the dashboard's event stream.
  void start_export(ExportKind kind, const CsvDialect& dialect);
  template <class Then>
  void start_chunked(ChunkedState& state, std::string_view content_type, Then then);
  void start_ops_stream();
  void write_ops_event(beast::error_code error);
  void write_export_chunk(beast::error_code error);
  void finish_export(beast::error_code error, bool keep);
};

}  // namespace loket::net_session
