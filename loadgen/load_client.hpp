// The load generator's connections: C keep-alive HTTP/1.1 connections on one Asio thread,
// each sending the next registration when it is due (arrival_profile.hpp) and reading its
// answer. Bodies are unique registrations, with a share of deliberate duplicates (a
// participant registered before) and of bad requests (an unknown field).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loadgen/arrival_profile.hpp"
#include "loadgen/latency_histogram.hpp"

namespace boost::asio::ssl {
class context;
}

namespace loket {

struct LoadOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  std::string tranche;
  std::string token;
  std::uint64_t registrations = 10'000;
  std::size_t connections = 100;
  ArrivalProfile profile = ArrivalProfile::flood();
  std::chrono::seconds duration_max{300};
  double duplicate_share = 0.01;
  double bad_share = 0.001;
  std::string run_id;  // in every id and participant, so that reruns do not collide
  std::chrono::seconds request_timeout{30};
  // Set: every connection is TLS, verified by this context against `host` (tls_client.hpp).
  std::shared_ptr<boost::asio::ssl::context> tls_context;
};

// A 201 (or a 422: decided and journaled as invalid) as the client saw it.
struct LoadReceipt {
  std::uint64_t sequence = 0;
  std::string id;
  std::string outcome;
  std::string reason;  // empty for none
};

// One progress interval (about a second): what was answered in it and how fast.
struct LoadInterval {
  double end_seconds = 0;  // since the start
  std::uint64_t answered = 0;
  std::uint64_t errors = 0;  // no answer, a 429 or a 5xx
  std::uint64_t p50_us = 0;
  std::uint64_t p99_us = 0;
};

struct LoadProgress {
  std::uint64_t sent = 0;
  std::uint64_t answered = 0;
  double elapsed_seconds = 0;
  std::uint64_t p99_us = 0;  // of everything so far
  LoadInterval interval;     // the one that just ended
};

struct LoadResult {
  LatencyHistogramUs latency;                      // from when each request was due to its answer
  std::map<int, std::uint64_t> answers_by_status;  // 0: no answer (connection failed)
  std::map<std::string, std::uint64_t> decisions;  // "granted", "rejected/tranche_full"
  std::map<std::string, std::uint64_t> problems;   // by problem type
  std::vector<LoadReceipt> receipts;
  std::uint64_t unreadable_receipts = 0;      // a 201 or 422 without seq, id and outcome
  std::vector<std::string> transport_errors;  // the first few
  std::uint64_t sent = 0;
  std::uint64_t connect_failures = 0;  // a registration's turn with no connection: not sent
  std::uint64_t bad_sent = 0;
  std::uint64_t duplicates_sent = 0;
  double elapsed_seconds = 0;
  bool stopped_by_duration = false;
  std::vector<LoadInterval> intervals;  // with a progress callback only
};

LoadResult run_load(const LoadOptions& options,
                    const std::function<void(const LoadProgress&)>& progress = {});

// The request body for registration `index`, and what kind it is.
enum class RegistrationKind { unique, duplicate, bad };
struct Registration {
  RegistrationKind kind = RegistrationKind::unique;
  std::string body;
};
Registration make_registration(const LoadOptions& options, std::uint64_t index);

}  // namespace loket
