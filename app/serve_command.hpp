// `loket serve`: the opening-day server. Recovers the journal (or starts one), then serves
// the HTTP API until SIGTERM or SIGINT, when it stops accepting, finishes what is in flight,
// syncs and exits 0.
#pragma once

#include <cstdio>
#include <string>

namespace loket {

struct ServeOptions {
  std::string scheme_path = "schemes/rehearsal.toml";
  std::string data_path = "data";
  std::string listen = "127.0.0.1:8080";
  std::string tokens_path = "app/development-tokens.toml";
  std::string participant_key_path;  // empty: the development key (loopback only)
  std::size_t io_threads = 2;
};

int run_serve(const ServeOptions& options, std::FILE* log);

}  // namespace loket
