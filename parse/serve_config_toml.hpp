// Reading `loket serve --config FILE`: the server's settings as TOML, as plain data. Every key
// is optional. Relative paths in the file are taken from the file's own folder, so a
// deployment's folder can be moved as a whole. app/serve_config.hpp lays the settings over
// the command's options.
//
//   scheme = "scheme.toml"               # the ServeOptions of the same names
//   data = "data"
//   listen = "0.0.0.0:8443"
//   tokens = "tokens.toml"
//   participant_key_file = "participant.key"
//   lottery_key_file = "lottery.key"      # R8's seed secret; both keys required off loopback
//   checkpoint_key_file = "checkpoint.key"  # from `loket keys`; required off loopback
//   checkpoint_interval_seconds = 60      # 1 to 86400
//   io_threads = 2
//   [limits]
//   connections_max = 10000
//   queue_jobs_max = 65536
//   read_timeout_ms = 10000              # read, idle, write and drain timeouts
//   idle_timeout_ms = 30000
//   write_timeout_ms = 30000
//   drain_timeout_ms = 10000
//   [tls]                                # both, or no [tls] at all
//   certificate_chain_file = "server.crt"
//   private_key_file = "server.key"
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"

namespace loket {

// What the file gives; nothing where it is silent. Paths are absolute as given, or else
// taken from the file's folder.
struct ServeConfig {
  std::optional<std::string> scheme_path;
  std::optional<std::string> data_path;
  std::optional<std::string> listen;
  std::optional<std::string> tokens_path;
  std::optional<std::string> participant_key_path;
  std::optional<std::string> lottery_key_path;
  std::optional<std::string> checkpoint_key_path;
  std::optional<std::int64_t> checkpoint_interval_seconds;
  std::optional<std::size_t> io_threads;
  std::optional<std::size_t> connections_max;
  std::optional<std::size_t> queue_jobs_max;
  std::optional<std::chrono::milliseconds> read_timeout;
  std::optional<std::chrono::milliseconds> idle_timeout;
  std::optional<std::chrono::milliseconds> write_timeout;
  std::optional<std::chrono::milliseconds> drain_timeout;
  struct TlsPaths {
    std::string certificate_chain_path;
    std::string private_key_path;
  };
  std::optional<TlsPaths> tls;  // a [tls] table holds both
  // A [cluster] table: `loket serve --cluster` and its companions (docs/cluster.md).
  struct Cluster {
    std::vector<std::string> endpoints;  // at least one
    std::optional<std::string> node;
    std::optional<std::string> advertise;
    std::optional<std::int64_t> lease_ttl_seconds;
  };
  std::optional<Cluster> cluster;
};

// The settings, or invalid_argument with "FILE:LINE: key: what is wrong". file_path names the
// file in messages and is where relative paths start from.
Result<ServeConfig> parse_serve_config(std::string_view toml_text, const std::string& file_path);

}  // namespace loket
