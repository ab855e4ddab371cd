// `loket allocate`: decides a JSON-lines event file offline, exactly as the server would.
#pragma once

#include <cstdio>
#include <string>

namespace loket {

struct AllocateOptions {
  std::string scheme_path;
  std::string events_path;           // "-" reads standard input
  std::string out_path;              // empty writes standard output
  std::string participant_key_path;  // empty uses the development key (see docs/events.md)
  std::string data_path;  // when set, journal the run there (a new journal; docs/journal.md)
};

// Returns the process exit code: 0 when every event was decided, 1 on any error, which is
// reported on `errors` naming the file, line and field.
int run_allocate(const AllocateOptions& options, std::FILE* errors);

}  // namespace loket
