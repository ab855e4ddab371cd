#include "net/server.hpp"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <deque>
#include <thread>

#include "engine/assert.hpp"
#include "engine/crypto.hpp"
#include "net/export_stream.hpp"
#include "net/http_framing.hpp"
#include "net/limits.hpp"
#include "net/operator_request.hpp"
#include "net/rate_limit.hpp"
#include "net/routes.hpp"

namespace loket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::milliseconds drain_poll_interval{20};
constexpr std::chrono::milliseconds tls_shutdown_timeout{1000};
constexpr std::size_t first_read_bytes = 4096;
constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::string_view header_block_end = "\r\n\r\n";

Problem headers_too_large() {
  return make_problem(431, "headers-too-large", "The headers are too large",
                      fmt::format("at most {} bytes", net_limits::header_bytes_max));
}
std::atomic<std::uint64_t> generated_id_counter{0};

// The journaled form of an Idempotency-Key: hashed with the caller's token name (two portals
// may pick the same key), and the request it came with (a reuse for another request is an
// error, not a retry).
std::variant<IdempotencyTag, Problem> idempotency_tag(std::string_view key,
                                                      std::string_view token_name,
                                                      std::string_view request_scope,
                                                      std::string_view body) {
  const bool visible =
      std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (key.empty() || key.size() > net_limits::idempotency_key_bytes_max || !visible) {
    return make_problem(
        400, "invalid-idempotency-key", "The Idempotency-Key is not acceptable",
        fmt::format("1 to {} visible ASCII characters", net_limits::idempotency_key_bytes_max),
        std::string(net_limits::idempotency_key_header));
  }
  const auto hash_of = [](std::string_view first, std::string_view second) {
    std::string message(first);
    message.push_back('\0');
    message.append(second);
    return sha256({reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
  };
  return IdempotencyTag{hash_of(token_name, key), hash_of(request_scope, body)};
}

// TLS 1.2 and 1.3 only. Throws boost::system::system_error naming the file that failed, or
// both when the key is not the certificate's.
asio::ssl::context make_tls_context(const TlsFiles& files) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  const auto load = [](const std::string& path, auto&& action) {
    beast::error_code error;
    action(error);
    if (error) throw boost::system::system_error(error, path);
  };
  load(files.certificate_chain_path, [&](beast::error_code& error) {
    context.use_certificate_chain_file(files.certificate_chain_path, error);
  });
  load(files.private_key_path, [&](beast::error_code& error) {
    context.use_private_key_file(files.private_key_path, asio::ssl::context::pem, error);
  });
  // OpenSSL takes a key of another type, or another key, without a word; every handshake
  // would then fail.
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    const beast::error_code error(static_cast<int>(ERR_get_error()),
                                  asio::error::get_ssl_category());
    ERR_clear_error();
    throw boost::system::system_error(
        error, fmt::format("{}: not the private key of the certificate in {}",
                           files.private_key_path, files.certificate_chain_path));
  }
  return context;
}

}  // namespace

void LatencyHistogram::record(std::uint64_t microseconds) {
  std::size_t bucket = 0;
  while (bucket < bounds_us.size() && microseconds > bounds_us[bucket]) ++bucket;
  counts[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(microseconds, std::memory_order_relaxed);
}

struct Server::Impl {
  explicit Impl(ServerOptions server_options)
      : options(std::move(server_options)),
        io(static_cast<int>(options.io_threads)),
        acceptor(asio::make_strand(io)),
        signals(io, SIGINT, SIGTERM, SIGHUP),
        drain_timer(io),
        id_prefix(fmt::format("{}{:x}", net_limits::generated_id_prefix,
                              Pipeline::system_clock_now() / 1000)) {
    if (options.tls) tls = make_tls_context(*options.tls);
    for (const TokenEntry& token : options.tokens.tokens) {
      rate_limiters.emplace_back(token.requests_per_second, token.burst);
    }
    const tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
  }

  void accept();
  void start_session(tcp::socket socket);
  void begin_shutdown();
  void drain(std::chrono::steady_clock::time_point deadline);
  Reply immediate(const RouteMatch& route) const;
  std::optional<Problem> rate_limited(const TokenEntry& token);
  std::string generated_id() {
    return fmt::format("{}-{}", id_prefix, generated_id_counter.fetch_add(1) + 1);
  }

  ServerOptions options;
  Pipeline* pipeline = nullptr;  // set before run()
  asio::io_context io;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::optional<asio::ssl::context> tls;
  std::string id_prefix;
  std::deque<RateLimiter> rate_limiters;  // one per token, in the token file's order
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> requests_in_flight{0};
  std::atomic<std::size_t> exports_running{0};
  std::atomic<bool> draining{false};
  LatencyHistogram latency;
};

namespace {

// Stream: beast::tcp_stream, or beast::ssl_stream<beast::tcp_stream> for TLS.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... StreamArguments>
  Session(Server::Impl& server, StreamArguments&&... arguments)
      : stream_(std::forward<StreamArguments>(arguments)...), server_(server) {
    server_.connections.fetch_add(1);
  }
  ~Session() { server_.connections.fetch_sub(1); }

  void start() {
    if constexpr (is_tls) {
      // The handshake is part of the first request: it gets the read timeout.
      expires_after(server_.options.read_timeout);
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
    parser_.emplace();
    parser_->body_limit(net_limits::body_bytes_max);
    parser_->header_limit(static_cast<std::uint32_t>(net_limits::header_bytes_max));
    admitted_.reset();
    if (buffer_.size() > 0) return start_request();  // bytes of it already arrived
    expires_after(server_.options.idle_timeout);
    read_more([self = this->shared_from_this()] { self->start_request(); });
  }

  template <class Then>
  void read_more(Then then) {
    stream_.async_read_some(
        buffer_.prepare(first_read_bytes),
        [self = this->shared_from_this(), then](beast::error_code error, std::size_t bytes) {
          if (error) return self->close();
          self->buffer_.commit(bytes);
          then();
        });
  }

  void start_request() {
    expires_after(server_.options.read_timeout);
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
    if (connection_gone(error)) return close();
    if (error) return answer_unreadable(error);
    const RequestHeader& header = parser_->get().base();
    if (auto problem = framing_problem(header)) return answer_and_close(*problem);
    if (!expects_continue(header)) return read_body();
    // The client waits before sending its body: what the header alone decides is answered
    // now, without the body, and the connection closed (its body would follow otherwise).
    const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    auto admitted = admit(parser_->get(), has_body);
    if (auto* problem = std::get_if<Problem>(&admitted)) return answer_and_close(*problem);
    admitted_ = std::get<Admitted>(std::move(admitted));
    asio::async_write(
        stream_, asio::buffer(continue_response),
        [self = this->shared_from_this()](beast::error_code write_error, std::size_t) {
          if (write_error) return self->close();
          self->read_body();
        });
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, this->shared_from_this()));
  }

  void on_body(beast::error_code error, std::size_t) {
    if (connection_gone(error)) return close();
    if (error) return answer_unreadable(error);
    begin_answer();
    keep_alive_ = parser_->get().keep_alive();
    handle(parser_->release());
  }

  static bool connection_gone(beast::error_code error) {
    return error == http::error::end_of_stream || error == beast::error::timeout ||
           error == asio::error::connection_reset || error == asio::error::operation_aborted;
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

  // What the header alone decides: the route, the token, its role and rate, the media type.
  struct Admitted {
    RouteMatch route;
    const TokenEntry* token = nullptr;  // for the endpoints that need one
  };
  template <class Message>
  std::variant<Admitted, Problem> admit(const Message& request, bool has_body) {
    auto matched =
        match_route(std::string_view(request.method_string()), std::string_view(request.target()));
    if (auto* problem = std::get_if<Problem>(&matched)) return std::move(*problem);
    Admitted admitted{std::get<RouteMatch>(std::move(matched)), nullptr};
    // Which of two would count is anybody's guess between a proxy and this server.
    for (const std::string_view name :
         {net_limits::authorization_header, net_limits::content_type_header,
          net_limits::idempotency_key_header}) {
      if (request.count(name) > 1) {
        return make_problem(400, "bad-request", "The request is not valid HTTP/1.1",
                            fmt::format("the {} header appears more than once", name),
                            std::string(name));
      }
    }
    if (needs_token(admitted.route.endpoint)) {
      const auto presented = bearer_token(request[http::field::authorization]);
      admitted.token = presented ? find_token(server_.options.tokens, *presented) : nullptr;
      if (admitted.token == nullptr) {
        return make_problem(401, "unauthorized", "A valid bearer token is needed", {},
                            std::string(net_limits::authorization_header));
      }
      if (!role_may(admitted.token->role, admitted.route.endpoint)) {
        return make_problem(
            403, "forbidden", "This token's role may not do this",
            fmt::format("role {} may not call this endpoint", to_string(admitted.token->role)));
      }
      if (auto problem = server_.rate_limited(*admitted.token)) return std::move(*problem);
    }
    if (has_body && request.method() == http::verb::post &&
        !is_json_media_type(request[http::field::content_type])) {
      return make_problem(415, "unsupported-media-type", "The body must be application/json", {},
                          std::string(net_limits::content_type_header));
    }
    return admitted;
  }

  void handle(http::request<http::string_body> request) {
    auto admitted = admitted_ ? std::variant<Admitted, Problem>(std::move(*admitted_))
                              : admit(request, !request.body().empty());
    if (auto* problem = std::get_if<Problem>(&admitted)) return send_problem(*problem);
    const RouteMatch& route = std::get<Admitted>(admitted).route;
    const TokenEntry* token = std::get<Admitted>(admitted).token;
    if (route.endpoint == Endpoint::export_records) return start_export(route.export_kind);
    if (route.endpoint == Endpoint::healthz || route.endpoint == Endpoint::readyz) {
      return send(server_.immediate(route));
    }
    if (route.endpoint == Endpoint::metrics) {
      return send(server_.immediate(route),
                  {{http::field::content_type, std::string(metrics_content_type)}});
    }
    auto job = std::make_unique<Job>();
    job->endpoint = route.endpoint;
    job->received_at = received_at_;
    job->tranche_id = route.tranche_id;
    job->application_id = route.application_id;
    if (route.endpoint == Endpoint::submit) {
      auto parsed = parse_submission_body(route.tranche_id, request.body(),
                                          server_.options.participant_key, server_.generated_id());
      if (auto* problem = std::get_if<Problem>(&parsed)) return send_problem(*problem);
      job->submission = std::move(std::get<SubmissionRequest>(parsed));
    } else if (route.endpoint == Endpoint::close || route.endpoint == Endpoint::close_day ||
               route.endpoint == Endpoint::appeal) {
      if (auto problem = read_operator_body(request.body(), *job)) return send_problem(*problem);
    }
    if (is_journaled(route.endpoint) &&
        request.find(net_limits::idempotency_key_header) != request.end()) {
      // A submission's request is its tranche and body (as journaled since keys began); an
      // operator command's also names the endpoint, so that one key cannot mean two commands.
      const std::string scope =
          route.endpoint == Endpoint::submit ? route.tranche_id : std::string(request.target());
      auto tag = idempotency_tag(request[net_limits::idempotency_key_header], token->name, scope,
                                 request.body());
      if (auto* problem = std::get_if<Problem>(&tag)) return send_problem(*problem);
      job->idempotency = std::get<IdempotencyTag>(tag);
    }
    // The reply comes back on the allocator thread; it is handed to this connection's
    // executor and written from there.
    job->complete = [self = this->shared_from_this()](Reply reply) {
      asio::post(self->stream_.get_executor(),
                 [self, moved = std::move(reply)]() mutable { self->send(std::move(moved)); });
    };
    if (!server_.pipeline->try_enqueue(std::move(job))) {
      Problem problem =
          make_problem(503, "busy", "Too many requests are waiting; try again shortly");
      problem.retry_after_seconds = net_limits::queue_full_retry_after_seconds;
      send_problem(problem);
    }
  }

  // With the headers RFC 9110 asks for: Allow on 405, a challenge on 401 (send adds it).
  void send_problem(const Problem& problem) {
    ExtraHeaders headers;
    if (!problem.allow.empty()) headers.emplace_back(http::field::allow, problem.allow);
    send(problem_reply(problem), std::move(headers));
  }

  using ExtraHeaders = std::vector<std::pair<http::field, std::string>>;

  // The reply with its content type, Retry-After and, on 401, the Bearer challenge; `extra`
  // is set last (and so may replace the content type).
  void send(Reply reply, ExtraHeaders extra = {}) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(reply.status), 11);
    response->set(http::field::server, net_limits::server_header_value);
    response->set(http::field::content_type,
                  reply.problem ? net_limits::problem_content_type : net_limits::json_content_type);
    if (reply.retry_after_seconds > 0) {
      response->set(http::field::retry_after, std::to_string(reply.retry_after_seconds));
    }
    if (reply.status == 401)
      response->set(http::field::www_authenticate, net_limits::bearer_challenge);
    for (auto& [field, value] : extra) response->set(field, std::move(value));
    const bool keep = keep_alive_ && !server_.draining.load();
    response->keep_alive(keep);
    response->body() = std::move(reply.body);
    response->prepare_payload();
    expires_after(server_.options.write_timeout);
    http::async_write(stream_, *response,
                      [self = this->shared_from_this(), response, keep](
                          beast::error_code error, std::size_t) { self->on_write(error, keep); });
  }

  // The export streams as a chunked response: a chunk of rows is made only once the client
  // has taken the one before, so a slow reader holds one chunk of memory, not the journal.
  void start_export(ExportKind kind) {
    if (server_.exports_running.fetch_add(1) >= net_limits::exports_max) {
      server_.exports_running.fetch_sub(1);
      Problem problem = make_problem(503, "busy", "Too many exports are running; try again later",
                                     fmt::format("at most {} at once", net_limits::exports_max));
      problem.retry_after_seconds = net_limits::export_busy_retry_after_seconds;
      return send(problem_reply(problem));
    }
    const std::uint64_t through_sequence = server_.pipeline->durable_sequence();
    std::shared_ptr<const Journal> journal = server_.pipeline->journal_for_reading();
    if (!journal) {
      server_.exports_running.fetch_sub(1);
      Problem problem = make_problem(503, "journal-unavailable",
                                     "The journal cannot write; it is being reopened");
      problem.retry_after_seconds = net_limits::export_busy_retry_after_seconds;
      return send(problem_reply(problem));
    }
    export_ = std::make_unique<ExportState>(std::move(journal), kind, through_sequence);
    auto& response = export_->response;
    response.result(http::status::ok);
    response.version(11);
    response.set(http::field::server, net_limits::server_header_value);
    response.set(http::field::content_type,
                 is_csv(kind) ? net_limits::csv_content_type : net_limits::jsonl_content_type);
    response.set("Loket-Through-Sequence", std::to_string(through_sequence));
    response.keep_alive(keep_alive_ && !server_.draining.load());
    response.chunked(true);
    export_->serializer.emplace(response);
    expires_after(server_.options.write_timeout);
    http::async_write_header(
        stream_, *export_->serializer,
        [self = this->shared_from_this()](beast::error_code error, std::size_t) {
          self->write_export_chunk(error);
        });
  }

  void write_export_chunk(beast::error_code error) {
    if (error) return finish_export(error, false);
    export_->chunk.clear();
    const auto next = [self = this->shared_from_this()](beast::error_code next_error, std::size_t) {
      self->write_export_chunk(next_error);
    };
    expires_after(server_.options.write_timeout);
    if (export_->rows.next_chunk(export_->chunk, net_limits::export_chunk_bytes)) {
      return asio::async_write(stream_, http::make_chunk(asio::buffer(export_->chunk)), next);
    }
    if (export_->rows.problem()) {
      // The status line is long gone: ending without the last chunk tells the client the
      // export is incomplete.
      std::fprintf(stderr, "loket serve: export stopped at record %llu: %s\n",
                   static_cast<unsigned long long>(export_->rows.problem()->sequence),
                   export_->rows.problem()->what.c_str());
      return finish_export({}, false);
    }
    asio::async_write(stream_, http::make_chunk_last(),
                      [self = this->shared_from_this()](beast::error_code last_error, std::size_t) {
                        self->finish_export(last_error, self->export_->response.keep_alive());
                      });
  }

  void finish_export(beast::error_code error, bool keep) {
    export_.reset();
    server_.exports_running.fetch_sub(1);
    on_write(error, keep);
  }

  void on_write(beast::error_code error, bool keep) {
    const auto elapsed = std::chrono::steady_clock::now() - started_;
    server_.latency.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
    server_.requests_in_flight.fetch_sub(1);
    if (error || !keep) return close();
    read();
  }

  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  void expires_after(std::chrono::milliseconds timeout) {
    beast::get_lowest_layer(stream_).expires_after(timeout);
  }

  void close() {
    if constexpr (is_tls) {
      if (!tls_closing_) {
        // close_notify, so that the client can tell the end from a truncation; bounded.
        tls_closing_ = true;
        expires_after(tls_shutdown_timeout);
        return stream_.async_shutdown(
            [self = this->shared_from_this()](beast::error_code) { self->close(); });
      }
    }
    auto& socket = beast::get_lowest_layer(stream_).socket();
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  bool tls_closing_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  struct ExportState {
    ExportState(std::shared_ptr<const Journal> exported, ExportKind kind,
                std::uint64_t through_sequence)
        : journal(std::move(exported)), rows(*journal, kind, through_sequence) {}
    std::shared_ptr<const Journal> journal;  // outlives the rows, which read it
    ExportStream rows;
    http::response<http::empty_body> response;
    std::optional<http::response_serializer<http::empty_body>> serializer;
    std::string chunk;
  };
  std::unique_ptr<ExportState> export_;
  Server::Impl& server_;
  std::optional<Admitted> admitted_;  // after 100 Continue: what the header decided
  TimestampNs received_at_ = 0;
  std::chrono::steady_clock::time_point started_;
  bool keep_alive_ = false;
};

}  // namespace

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (!error) {
      if (connections.load() >= options.connections_max) {
        beast::error_code ignored;
        socket.close(ignored);  // over the limit: refused at once, others keep being served
      } else {
        start_session(std::move(socket));
      }
    }
    accept();
  });
}

void Server::Impl::start_session(tcp::socket socket) {
  if (tls) {
    std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(*this, std::move(socket), *tls)
        ->start();
  } else {
    std::make_shared<Session<beast::tcp_stream>>(*this, std::move(socket))->start();
  }
}

Reply Server::Impl::immediate(const RouteMatch& route) const {
  if (route.endpoint == Endpoint::healthz) return Reply{200, R"({"status":"ok"})", false, 0};
  if (route.endpoint == Endpoint::readyz) {
    if (pipeline->healthy() && !draining.load())
      return Reply{200, R"({"status":"ready"})", false, 0};
    Problem problem = make_problem(503, "not-ready", "Not accepting submissions",
                                   draining.load() ? "shutting down" : "the journal cannot write");
    problem.retry_after_seconds = net_limits::journal_unavailable_retry_after_seconds;
    return problem_reply(problem);
  }
  Reply reply{200, metrics_text(*pipeline, latency, connections.load()), false, 0};
  return reply;
}

std::optional<Problem> Server::Impl::rate_limited(const TokenEntry& token) {
  const auto index = static_cast<std::size_t>(&token - options.tokens.tokens.data());
  LOKET_ASSERT(index < rate_limiters.size());
  const auto now = std::chrono::steady_clock::now().time_since_epoch();
  const std::int64_t wait_ns =
      rate_limiters[index].admit(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
  if (wait_ns == 0) return std::nullopt;
  Problem problem = make_problem(429, "rate-limited", "Too many requests for this token",
                                 fmt::format("at most {} requests per second, {} at once",
                                             token.requests_per_second, token.burst),
                                 std::string(net_limits::authorization_header));
  constexpr std::int64_t second_ns = 1'000'000'000;
  problem.retry_after_seconds = static_cast<int>((wait_ns + second_ns - 1) / second_ns);
  return problem;
}

void Server::Impl::begin_shutdown() {
  if (draining.exchange(true)) return;
  beast::error_code ignored;
  acceptor.close(ignored);
  signals.cancel(ignored);
  drain(std::chrono::steady_clock::now() + options.drain_timeout);
}

void Server::Impl::drain(std::chrono::steady_clock::time_point deadline) {
  if (requests_in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
    io.stop();
    return;
  }
  drain_timer.expires_after(drain_poll_interval);
  drain_timer.async_wait([this, deadline](beast::error_code) { drain(deadline); });
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  LOKET_ASSERT(impl_->options.io_threads >= 1);
}

Server::Server(ServerOptions options, Pipeline& pipeline) : Server(std::move(options)) {
  serve(pipeline);
}

void Server::serve(Pipeline& pipeline) {
  LOKET_ASSERT(impl_->pipeline == nullptr);
  impl_->pipeline = &pipeline;
}

Server::~Server() = default;

unsigned short Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::run() {
  LOKET_ASSERT(impl_->pipeline != nullptr);
  impl_->signals.async_wait([this](beast::error_code error, int) {
    if (!error) stop();
  });
  impl_->accept();
  std::vector<std::thread> threads;
  for (std::size_t index = 1; index < impl_->options.io_threads; ++index) {
    threads.emplace_back([this] { impl_->io.run(); });
  }
  impl_->io.run();
  for (std::thread& thread : threads) thread.join();
}

// Shutdown runs on the acceptor's strand, where the accept loop runs: the acceptor is never
// touched from two threads at once.
void Server::stop() {
  asio::post(impl_->acceptor.get_executor(), [this] { impl_->begin_shutdown(); });
}

std::size_t Server::connections() const {
  return impl_->connections.load();
}
const LatencyHistogram& Server::latency() const {
  return impl_->latency;
}

}  // namespace loket
