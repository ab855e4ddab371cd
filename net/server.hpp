// The HTTP/1.1 front end (Boost.Beast): a listener and one session per connection, run by a
// pool of I/O threads. A session reads a request within its limits, stamps its arrival,
// routes and authorises it, and either answers at once (health, a problem) or hands a job
// to the pipeline and answers when the pipeline completes it. Docs: docs/api.md.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "net/pipeline.hpp"
#include "net/tokens.hpp"

namespace loket {

struct TlsFiles {
  std::string certificate_chain_path;  // PEM: the server's certificate, then intermediates
  std::string private_key_path;        // PEM
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (tests)
  std::size_t io_threads = 2;
  std::size_t connections_max = 10'000;
  std::chrono::milliseconds read_timeout{10'000};   // a whole request, headers and body
  std::chrono::milliseconds idle_timeout{30'000};   // between requests on a kept-alive connection
  std::chrono::milliseconds write_timeout{30'000};  // for the client to take a reply (or chunk)
  std::chrono::milliseconds drain_timeout{10'000};  // for requests in flight at shutdown
  TokenFile tokens;
  std::vector<std::uint8_t> participant_key;
  std::optional<TlsFiles> tls;  // HTTPS when set
};

// Acknowledgement latency, from arrival to the reply being handed to the socket.
struct LatencyHistogram {
  static constexpr std::array<std::uint64_t, 14> bounds_us = {
      100,    250,    500,     1'000,   2'500,   5'000,     10'000,
      25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000, 5'000'000};
  std::array<std::atomic<std::uint64_t>, bounds_us.size() + 1> counts{};
  std::atomic<std::uint64_t> sum_us{0};
  void record(std::uint64_t microseconds);
};

class Server {
 public:
  // Listens (binds the port) and loads the TLS files, checking that the key is the
  // certificate's. When it cannot: busy for a port in use, otherwise an I/O error, with the
  // operating system's words on one line. Nothing is accepted before run(), so a server can
  // claim its port before it recovers its journal.
  static Result<std::unique_ptr<Server>> create(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;  // the bound port
  // The pipeline to hand requests to; once, before run().
  void serve(Pipeline& pipeline);
  // Runs until stop(), SIGINT, SIGTERM or SIGHUP; then stops accepting, lets requests in
  // flight finish (up to drain_timeout), and returns. A signal that came since construction
  // is taken then.
  void run();
  void stop();  // from any thread

  std::size_t connections() const;
  const LatencyHistogram& latency() const;

  struct Impl;  // opaque; public only so that the sessions in session.cpp can name it

 private:
  explicit Server(ServerOptions options);  // throws boost::system::system_error
  std::unique_ptr<Impl> impl_;
};

// The Prometheus text exposition format, version 0.0.4, for GET /metrics; every family has
// its # HELP and # TYPE.
inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";
// `ready`: whether /readyz answers 200 now.
std::string metrics_text(const Pipeline& pipeline, const LatencyHistogram& latency,
                         std::size_t connections, bool ready);

}  // namespace loket
