// The listener and the server's lifetime: binding, the accept loop with its connection limit,
// signals, the drain at shutdown, and the replies that need no pipeline (health, readiness,
// metrics). The sessions are in session.cpp, what a request becomes in request_dispatch.cpp.
#include "net/server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core/error.hpp>
#include <thread>

#include "base/version.hpp"
#include "engine/assert.hpp"
#include "net/limits.hpp"
#include "net/server_impl.hpp"
#include "net/tls_context.hpp"

namespace loket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr std::chrono::milliseconds drain_poll_interval{20};
std::atomic<std::uint64_t> generated_id_counter{0};

}  // namespace

void LatencyHistogram::record(std::uint64_t microseconds) {
  std::size_t bucket = 0;
  while (bucket < bounds_us.size() && microseconds > bounds_us[bucket]) ++bucket;
  counts[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(microseconds, std::memory_order_relaxed);
}

namespace {

// A deadline is kept to within a quarter of the shortest timeout, and never more often than
// needed: the sweep's cost is a compare per connection.
std::chrono::milliseconds sweep_interval_for(const ServerOptions& options) {
  constexpr std::chrono::milliseconds finest{5};
  constexpr std::chrono::milliseconds coarsest{250};
  const auto shortest =
      std::min({options.read_timeout, options.idle_timeout, options.write_timeout});
  return std::clamp(shortest / 4, finest, coarsest);
}

// One listener per I/O thread, all on one port with SO_REUSEPORT. A plain bind first: a port
// another process listens on is refused, never silently shared with it.
std::vector<std::unique_ptr<IoThread>> bind_io_threads(const ServerOptions& options,
                                                       Pipeline* const& pipeline) {
  LOKET_ASSERT(options.io_threads >= 1);
  tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
  if (endpoint.port() != 0) {
    asio::io_context probe_io;
    tcp::acceptor probe(probe_io);
    probe.open(endpoint.protocol());
    probe.set_option(asio::socket_base::reuse_address(true));
    probe.bind(endpoint);  // throws address_in_use
  }
  const std::chrono::milliseconds sweep_interval = sweep_interval_for(options);
  std::vector<std::unique_ptr<IoThread>> threads;
  for (std::size_t index = 0; index < options.io_threads; ++index) {
    threads.push_back(std::make_unique<IoThread>(endpoint, sweep_interval, pipeline));
    endpoint.port(threads.front()->acceptor().local_endpoint().port());  // port 0: the first's
  }
  return threads;
}

}  // namespace

Server::Impl::Impl(ServerOptions server_options)
    : options(std::move(server_options)),
      io_threads(bind_io_threads(options, pipeline)),
      signals(control_io(), SIGINT, SIGTERM, SIGHUP),
      drain_timer(control_io()),
      ops_timer(control_io()),
      id_prefix(fmt::format("{}{:x}", net_limits::generated_id_prefix,
                            Pipeline::system_clock_now() / 1000)) {
  if (options.tls) tls = make_tls_context(*options.tls);
  for (const TokenEntry& token : options.tokens.tokens) {
    rate_limiters.emplace_back(token.requests_per_second, token.burst);
  }
}

std::string Server::Impl::generated_id() {
  return fmt::format("{}-{}", id_prefix, generated_id_counter.fetch_add(1) + 1);
}

void Server::Impl::sample_ops() {
  ops_history.add(take_ops_sample(*pipeline, latency, Pipeline::system_clock_now()));
  ops_timer.expires_after(net_limits::ops_event_interval);
  ops_timer.async_wait([this](beast::error_code error) {
    if (!error) sample_ops();
  });
}

void Server::Impl::accept(IoThread& thread) {
  thread.acceptor().async_accept([this, &thread](beast::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !thread.acceptor().is_open()) return;
    if (!error) {
      // The place is taken before the check: two threads accept at once, and only one of
      // them may have the last place. The session gives it back when it ends.
      if (connections.fetch_add(1) >= options.connections_max) {
        connections.fetch_sub(1);
        beast::error_code ignored;
        socket.close(ignored);  // over the limit: refused at once, others keep being served
      } else {
        start_session(thread, std::move(socket));
      }
    }
    accept(thread);
  });
}

bool Server::Impl::ready() const {
  return pipeline->healthy() && !pipeline->following() && !draining.load();
}

Reply Server::Impl::immediate(const RouteMatch& route) const {
  if (route.endpoint == Endpoint::healthz) {
    return Reply{
        200, fmt::format(R"({{"status":"ok","version":"{}"}})", loket_version), false, 0, {}};
  }
  if (route.endpoint == Endpoint::cluster) {
    Pipeline::ClusterView view = pipeline->cluster_view();
    if (view.status_json.empty()) {
      return problem_reply(make_problem(404, "not-clustered", "This node is not part of a cluster",
                                        "it was started without --cluster"));
    }
    return Reply{200, std::move(view.status_json), false, 0, {}};
  }
  if (route.endpoint == Endpoint::readyz) {
    if (ready()) return Reply{200, R"({"status":"ready"})", false, 0, {}};
    Problem problem =
        make_problem(503, "not-ready", "Not accepting submissions",
                     draining.load()        ? "shutting down"
                     : !pipeline->healthy() ? "the journal cannot write"
                                            : "this node follows the cluster's leader");
    problem.retry_after_seconds = net_limits::journal_unavailable_retry_after_seconds;
    return problem_reply(problem);
  }
  Reply reply{200, metrics_text(*pipeline, latency, connections.load(), ready()), false, 0, {}};
  reply.content_type = metrics_content_type;
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

// On the control thread. Each listener is closed on its own thread, which alone touches it.
void Server::Impl::begin_shutdown() {
  if (draining.exchange(true)) return;
  for (const std::unique_ptr<IoThread>& thread : io_threads) {
    asio::post(thread->io(), [listening = thread.get()] {
      beast::error_code ignored;
      listening->acceptor().close(ignored);
    });
  }
  beast::error_code ignored;
  signals.cancel(ignored);
  drain(std::chrono::steady_clock::now() + options.drain_timeout);
}

void Server::Impl::drain(std::chrono::steady_clock::time_point deadline) {
  if (requests_in_flight.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
    for (const std::unique_ptr<IoThread>& thread : io_threads) thread->io().stop();
    return;
  }
  drain_timer.expires_after(drain_poll_interval);
  drain_timer.async_wait([this, deadline](beast::error_code) { drain(deadline); });
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

namespace {

// "WHAT: MESSAGE", without the code's category, number and source location that what()
// appends for a developer.
std::string one_line(const boost::system::system_error& error) {
  std::string text = error.what();
  const std::string code_text = error.code().what();
  if (text.ends_with(code_text)) {
    text.replace(text.size() - code_text.size(), code_text.size(), error.code().message());
  }
  return text;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::create(ServerOptions options) {
  try {
    return std::unique_ptr<Server>(new Server(std::move(options)));
  } catch (const boost::system::system_error& error) {
    if (error.code() == boost::asio::error::address_in_use) return Status::busy(one_line(error));
    return Status::io_error(one_line(error));
  }
}

void Server::serve(Pipeline& pipeline) {
  LOKET_ASSERT(impl_->pipeline == nullptr);
  impl_->pipeline = &pipeline;
}

Server::~Server() = default;

unsigned short Server::port() const {
  return impl_->io_threads.front()->acceptor().local_endpoint().port();
}

void Server::run() {
  LOKET_ASSERT(impl_->pipeline != nullptr);
  impl_->signals.async_wait([this](beast::error_code error, int) {
    if (!error) stop();
  });
  std::vector<std::thread> threads;
  for (const std::unique_ptr<IoThread>& thread : impl_->io_threads) {
    impl_->accept(*thread);
    thread->start_sweeping();
  }
  impl_->sample_ops();
  for (std::size_t index = 1; index < impl_->io_threads.size(); ++index) {
    threads.emplace_back([io_thread = impl_->io_threads[index].get()] { io_thread->io().run(); });
  }
  impl_->control_io().run();
  for (std::thread& thread : threads) thread.join();
}

// Shutdown runs on the control thread, where the signals and the drain timer live.
void Server::stop() {
  asio::post(impl_->control_io(), [this] { impl_->begin_shutdown(); });
}

std::size_t Server::connections() const {
  return impl_->connections.load();
}
const LatencyHistogram& Server::latency() const {
  return impl_->latency;
}

}  // namespace loket
