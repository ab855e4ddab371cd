// `loket serve`: the opening-day server. Recovers the journal (or starts one), then serves
// the HTTP API until SIGTERM, SIGINT or SIGHUP, when it stops accepting, finishes what is in
// flight, syncs and exits 0.
#pragma once

#include <chrono>
#include <cstdio>
#include <span>
#include <string>

#include "app/cluster_leadership.hpp"
#include "net/server.hpp"
#include "storage/journal.hpp"

namespace loket {

struct ServeOptions {
  std::string scheme_path = "schemes/rehearsal.toml";
  std::string data_path = "data";
  std::string listen = "127.0.0.1:8080";
  std::string tokens_path = "app/development-tokens.toml";
  std::string participant_key_path;  // empty: the development key (loopback only)
  // R8: the secret the lottery seeds derive from; empty: the development key (loopback only).
  std::string lottery_key_path;
  // The key checkpoints are signed with (loket keys); empty: the development key (loopback
  // only). How often, at most, while decisions are made (docs/verify.md).
  std::string checkpoint_key_path;
  std::int64_t checkpoint_interval_seconds = 60;
  std::size_t io_threads = 2;
  std::string config_path;  // settings from a file (serve_config.hpp); flags win
  // The server's and the pipeline's own defaults unless set.
  std::size_t connections_max = ServerOptions{}.connections_max;
  std::size_t queue_jobs_max = PipelineLimits{}.queue_jobs_max;
  std::chrono::milliseconds read_timeout = ServerOptions{}.read_timeout;
  std::chrono::milliseconds idle_timeout = ServerOptions{}.idle_timeout;
  std::chrono::milliseconds write_timeout = ServerOptions{}.write_timeout;
  std::chrono::milliseconds drain_timeout = ServerOptions{}.drain_timeout;
  std::string tls_certificate_chain_path;  // both empty: plain HTTP
  std::string tls_private_key_path;
  // How the journal is opened; its scheme_text is set from scheme_path. The storage-fault
  // tests run the real server on a fault-injecting file system (tests/fault_serve.cpp).
  JournalOptions journal_options;
  // --cluster and its companions: empty endpoints is the single node (docs/cluster.md).
  ClusterOptions cluster;
};

// Checks everything that can refuse the start (the arguments, the scheme, tokens and key
// files, development credentials off loopback, the port, the TLS files and whether they
// match, whether another process has the journal) before it creates or opens the journal.
// 0 after a clean stop; 2 for bad arguments or files; 1 when it cannot start or the journal
// failed.
int run_serve(const ServeOptions& options, std::FILE* log);

// What makes these credentials public, so that they must not face a network: the
// development flag, a development token's hash, the development participant key. Empty
// when there is nothing.
std::string development_credentials(const TokenFile& tokens,
                                    std::span<const std::uint8_t> participant_key);

}  // namespace loket
