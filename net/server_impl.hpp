// What the listener (server.cpp), the sessions (session.cpp) and the request dispatch
// (request_dispatch.cpp) share: the options, the pipeline, the I/O threads and the counters
// that /metrics and the shutdown drain read. Internal to net/; callers see net/server.hpp.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <vector>

#include "net/io_thread.hpp"
#include "net/ops_history.hpp"
#include "net/rate_limit.hpp"
#include "net/replies.hpp"
#include "net/routes.hpp"
#include "net/server.hpp"

namespace loket {

struct Server::Impl {
  // Binds the port and loads the TLS files; throws boost::system::system_error when it cannot.
  explicit Impl(ServerOptions server_options);

  void accept(IoThread& thread);
  void start_session(IoThread& thread, boost::asio::ip::tcp::socket socket);  // in session.cpp
  void begin_shutdown();
  void drain(std::chrono::steady_clock::time_point deadline);
  // Whether this node takes submissions now (/readyz, loket_ready).
  bool ready() const;
  // The replies that need no pipeline job: health, readiness, metrics.
  Reply immediate(const RouteMatch& route) const;
  // Nothing when the token may make a request now; otherwise 429 with Retry-After.
  std::optional<Problem> rate_limited(const TokenEntry& token);
  // A submission id no client may choose (net_limits::generated_id_prefix).
  std::string generated_id();
  // Takes the dashboard's sample now, and again every second (ops_history.hpp).
  void sample_ops();

  ServerOptions options;
  Pipeline* pipeline = nullptr;  // set before run()
  // The first also runs what is the server's own: signals, the drain and the ops sampler.
  std::vector<std::unique_ptr<IoThread>> io_threads;
  boost::asio::io_context& control_io() { return io_threads.front()->io(); }
  boost::asio::signal_set signals;
  boost::asio::steady_timer drain_timer;
  boost::asio::steady_timer ops_timer;
  OpsHistory ops_history;
  std::optional<boost::asio::ssl::context> tls;
  std::string id_prefix;
  std::deque<RateLimiter> rate_limiters;  // one per token, in the token file's order
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> requests_in_flight{0};
  std::atomic<std::size_t> exports_running{0};
  std::atomic<std::size_t> ops_streams_running{0};
  std::atomic<bool> draining{false};
  LatencyHistogram latency;
};

}  // namespace loket
