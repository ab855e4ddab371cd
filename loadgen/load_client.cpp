#include "loadgen/load_client.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "engine/assert.hpp"
#include "loadgen/tls_client.hpp"

namespace loket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t transport_errors_kept = 10;
constexpr std::chrono::milliseconds progress_interval{1000};

// A well-mixed 64-bit value from two: which registrations are duplicates or bad depends
// only on the run and the index, so a rerun sends the same mix.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9;
  value = (value ^ (value >> 27)) * 0x94d049bb133111eb;
  return value ^ (value >> 31);
}

double unit_fraction(std::uint64_t value) {
  return static_cast<double>(value >> 11) * 0x1.0p-53;
}

struct Run {
  Run(const LoadOptions& load_options, tcp::endpoint target)
      : options(load_options), endpoint(std::move(target)) {}
  const LoadOptions& options;
  tcp::endpoint endpoint;
  Clock::time_point start = Clock::now();
  std::uint64_t next_index = 0;
  std::uint64_t answered = 0;
  std::size_t connections_open = 0;
  asio::steady_timer* progress_timer = nullptr;
  LoadResult result;
  LatencyHistogramUs interval_latency;  // since the last progress report
  std::uint64_t interval_errors = 0;

  double elapsed_seconds() const {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }
  bool time_is_up() const { return Clock::now() - start >= options.duration_max; }
  void record_transport_error(const beast::error_code& error) {
    result.answers_by_status[0] += 1;
    interval_errors += 1;
    if (result.transport_errors.size() < transport_errors_kept) {
      result.transport_errors.push_back(error.message());
    }
  }
  void record_answer(const http::response<http::string_body>& response);
  // Ends the current progress interval: kept in the result, and returned.
  LoadInterval take_interval() {
    const LoadInterval interval{elapsed_seconds(), interval_latency.count(), interval_errors,
                                interval_latency.percentile(50), interval_latency.percentile(99)};
    result.intervals.push_back(interval);
    interval_latency = {};
    interval_errors = 0;
    return interval;
  }
  void record_registration_sent(RegistrationKind kind) {
    result.sent += 1;
    result.bad_sent += kind == RegistrationKind::bad;
    result.duplicates_sent += kind == RegistrationKind::duplicate;
  }
  // The last connection to close ends the run and its progress reports.
  void close_connection() {
    connections_open -= 1;
    if (connections_open == 0) {
      result.elapsed_seconds = elapsed_seconds();
      if (progress_timer != nullptr) {
        progress_timer->cancel();
        if (interval_latency.count() > 0 || interval_errors > 0) take_interval();  // the last
      }
    }
  }
};

// One registration's POST, on a keep-alive connection, rendered straight into the bytes
// sent: the load generator shares the machine with the server, so what it spends on a
// request (a serializer walking a header list per write) is taken from the figure measured.
void render_registration(const LoadOptions& options, std::string_view body, std::string& out) {
  out.clear();
  fmt::format_to(std::back_inserter(out),
                 "POST /v1/tranches/{}/submissions HTTP/1.1\r\nHost: {}\r\nAuthorization: "
                 "Bearer {}\r\nContent-Type: application/json\r\nContent-Length: "
                 "{}\r\n\r\n{}",
                 options.tranche, options.host, options.token, body.size(), body);
}

void Run::record_answer(const http::response<http::string_body>& response) {
  const int status = static_cast<int>(response.result_int());
  result.answers_by_status[status] += 1;
  interval_errors += status >= 500 || status == 429;
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(response.body(), error);
  const boost::json::object* body = error ? nullptr : parsed.if_object();
  if (body == nullptr) {
    result.unreadable_receipts += status == 201 || status == 422;
    return;
  }
  if (status >= 400) {
    if (const auto* type = body->if_contains("type"); type && type->is_string()) {
      result.problems[std::string(type->get_string())] += 1;
    }
  }
  if (status != 201 && status != 422) return;
  const auto* sequence = body->if_contains("seq");
  const auto* id = body->if_contains("id");
  const auto* outcome = body->if_contains("outcome");
  const auto* reason = body->if_contains("reason");
  const bool has_sequence =
      sequence != nullptr &&
      (sequence->is_uint64() || (sequence->is_int64() && sequence->get_int64() > 0));
  if (!has_sequence || !id || !id->is_string() || !outcome || !outcome->is_string()) {
    result.unreadable_receipts += 1;
    return;
  }
  LoadReceipt receipt{sequence->to_number<std::uint64_t>(), std::string(id->get_string()),
                      std::string(outcome->get_string()),
                      reason && reason->is_string() ? std::string(reason->get_string()) : ""};
  result.decisions[receipt.reason.empty() ? receipt.outcome
                                          : receipt.outcome + "/" + receipt.reason] += 1;
  result.receipts.push_back(std::move(receipt));
}

// A new connection to the target, with its TLS handshake when it is TLS.
template <class Stream>
asio::awaitable<beast::error_code> connect(std::optional<Stream>& stream, const Run& run) {
  const auto executor = co_await asio::this_coro::executor;
  beast::error_code error;
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    stream.emplace(executor, *run.options.tls_context);
    if (!prepare_tls_stream(*stream, run.options.host)) co_return asio::error::invalid_argument;
  } else {
    stream.emplace(executor);
  }
  auto& socket = beast::get_lowest_layer(*stream);
  socket.expires_after(run.options.request_timeout);
  co_await socket.async_connect(run.endpoint, asio::redirect_error(asio::use_awaitable, error));
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    if (!error) {
      co_await stream->async_handshake(asio::ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, error));
    }
  }
  co_return error;
}

// Stream: beast::tcp_stream, or TlsStream for an https:// target.
template <class Stream>
asio::awaitable<void> run_connection(Run& run) {
  const auto executor = co_await asio::this_coro::executor;
  const LoadOptions& options = run.options;
  std::optional<Stream> stream;
  beast::flat_buffer buffer;
  std::string request;  // reused: its capacity outlives each request
  asio::steady_timer timer(executor);
  beast::error_code error;
  run.connections_open += 1;
  while (run.next_index < options.registrations && !run.time_is_up()) {
    const std::uint64_t index = run.next_index;
    const std::optional<double> due_seconds = options.profile.due_seconds(index);
    if (!due_seconds) break;
    run.next_index += 1;
    const auto due = run.start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(*due_seconds));
    if (due > Clock::now()) {
      timer.expires_at(due);
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
    }
    if (!stream) {
      error = co_await connect(stream, run);
      if (error) {
        run.result.connect_failures += 1;
        run.record_transport_error(error);
        stream.reset();
        continue;
      }
    }
    Registration registration = make_registration(options, index);
    run.record_registration_sent(registration.kind);
    render_registration(options, registration.body, request);
    // Latency counts from when the request was due; in a flood everything is due at once,
    // so there it counts from the send.
    const auto counted_from = options.profile.is_flood() ? Clock::now() : due;
    beast::get_lowest_layer(*stream).expires_after(options.request_timeout);
    co_await asio::async_write(*stream, asio::buffer(request),
                               asio::redirect_error(asio::use_awaitable, error));
    http::response<http::string_body> response;
    if (!error) {
      co_await http::async_read(*stream, buffer, response,
                                asio::redirect_error(asio::use_awaitable, error));
    }
    if (error) {
      run.record_transport_error(error);
      stream.reset();
      buffer.clear();
      continue;
    }
    run.answered += 1;
    const auto latency_us = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - counted_from).count());
    run.result.latency.record(latency_us);
    run.interval_latency.record(latency_us);
    run.record_answer(response);
    if (!response.keep_alive()) {
      stream.reset();
      buffer.clear();
    }
  }
  if (stream) {
    beast::get_lowest_layer(*stream).socket().shutdown(tcp::socket::shutdown_both, error);
  }
  run.close_connection();
}

asio::awaitable<void> report_progress(Run& run,
                                      const std::function<void(const LoadProgress&)>& progress) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  run.progress_timer = &timer;
  beast::error_code error;
  while (run.connections_open > 0) {
    timer.expires_after(progress_interval);
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, error));
    if (run.connections_open == 0) break;
    const LoadInterval interval = run.take_interval();
    progress(LoadProgress{run.result.sent, run.answered, interval.end_seconds,
                          run.result.latency.percentile(99), interval});
  }
  run.progress_timer = nullptr;
}

// The monitoring a portal passes on (domain.md: education level, sector, age), drawn from the
// registration's own number so that a rerun sends the same: the report then has a spread of
// attributes to show, an age in every band included.
std::string monitoring_of(std::uint64_t seed, std::uint64_t index) {
  static constexpr std::array<std::string_view, 6> sectors = {"zorg",   "techniek",  "logistiek",
                                                              "horeca", "onderwijs", "retail"};
  const std::uint64_t bits = mix(seed ^ (index * 0x9e3779b97f4a7c15ULL));
  constexpr std::uint64_t first_age = 18;
  constexpr std::uint64_t age_span = 50;  // 18 to 67
  return fmt::format(R"("monitoring":{{"education":"{}","sector":"{}","age":{}}})",
                     bits % 3 == 0 ? "mbo2_or_lower" : "higher",
                     sectors[(bits >> 8) % sectors.size()], first_age + (bits >> 16) % age_span);
}

}  // namespace

Registration make_registration(const LoadOptions& options, std::uint64_t index) {
  const std::uint64_t seed = mix(std::hash<std::string>{}(options.run_id));
  const double draw = unit_fraction(mix(seed ^ index));
  const std::string id = fmt::format("{}-{}", options.run_id, index);
  if (draw < options.bad_share) {
    return {RegistrationKind::bad,
            fmt::format(R"({{"id":"{}","participant":"{}-p{}","favourite_colour":"blue"}})", id,
                        options.run_id, index)};
  }
  if (index > 0 && draw < options.bad_share + options.duplicate_share) {
    // The participant of an earlier registration, a little before this one.
    const std::uint64_t earlier =
        index - 1 - mix(seed + index) % std::min<std::uint64_t>(index, 100);
    return {RegistrationKind::duplicate,
            fmt::format(R"({{"id":"{}","participant":"{}-p{}",{}}})", id, options.run_id, earlier,
                        monitoring_of(seed, index))};
  }
  return {RegistrationKind::unique, fmt::format(R"({{"id":"{}","participant":"{}-p{}",{}}})", id,
                                                options.run_id, index, monitoring_of(seed, index))};
}

LoadResult run_load(const LoadOptions& options,
                    const std::function<void(const LoadProgress&)>& progress) {
  LOKET_ASSERT(options.connections > 0);
  asio::io_context io(1);
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(options.host, std::to_string(options.port));
  Run run(options, *endpoints.begin());
  run.result.receipts.reserve(static_cast<std::size_t>(options.registrations));
  for (std::size_t connection = 0; connection < options.connections; ++connection) {
    if (options.tls_context) {
      asio::co_spawn(io, run_connection<TlsStream>(run), asio::detached);
    } else {
      asio::co_spawn(io, run_connection<beast::tcp_stream>(run), asio::detached);
    }
  }
  if (progress) asio::co_spawn(io, report_progress(run, progress), asio::detached);
  io.run();
  run.result.stopped_by_duration = run.next_index < options.registrations && run.time_is_up();
  return std::move(run.result);
}

}  // namespace loket
