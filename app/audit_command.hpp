// `loket audit`: proves or disproves a journal. It verifies the sequence, every checksum and
// the hash chain, re-derives every decision with the allocator and compares, and checks that
// every lottery draw reveals the seed committed to before it (app/seed_audit.hpp), and that the
// decision tree meets every checkpoint, journaled or given (app/checkpoint_audit.hpp).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace loket {

struct AuditOptions {
  std::string data_path;
  std::string scheme_path;                    // empty: the scheme stored in the journal's header
  std::vector<std::string> checkpoint_paths;  // published checkpoints the journal must meet
  std::string verifier_key;                   // the checkpoints' key, or a file holding it
};

// 0 when everything agrees (a summary on `out`); 1 with the first differing sequence, what
// the journal says and what replay says (on `errors`); 2 when the journal cannot be read.
int run_audit(const AuditOptions& options, std::FILE* out, std::FILE* errors);

}  // namespace loket
