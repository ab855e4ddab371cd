// `loket serve --config FILE`: the server's settings as TOML. Every key is optional; a flag
// given on the command line wins over the file. Relative paths in the file are taken from
// the file's own folder, so a deployment's folder can be moved as a whole.
//
//   scheme = "scheme.toml"               # the ServeOptions of the same names
//   data = "data"
//   listen = "0.0.0.0:8443"
//   tokens = "tokens.toml"
//   participant_key_file = "participant.key"
//   lottery_key_file = "lottery.key"      # R8's seed secret; both keys required off loopback
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

#include <string>
#include <string_view>

#include "app/serve_command.hpp"

namespace loket {

// Sets what the file gives; an error ("FILE:LINE: key: problem") when anything is wrong, and
// then options are left as they were.
std::string apply_serve_config(std::string_view toml_text, const std::string& file_path,
                               ServeOptions& options);

}  // namespace loket
