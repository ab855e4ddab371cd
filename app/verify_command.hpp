// `loket verify`: checks an applicant's proof offline (docs/verify.md). The proof is the JSON
// of GET /v1/submissions/{id}/proof: the decision's line, its leaf index, an inclusion proof
// and the signed checkpoint it leads to. The checkpoint's signature must verify with the
// verifier key, and the line must be the leaf at that index of the tree the checkpoint pins.
#pragma once

#include <cstdio>
#include <string>

namespace loket {

struct VerifyOptions {
  std::string proof_path;    // '-': standard input
  std::string verifier_key;  // NAME+KEYID+KEY, or a file that holds it
};

// 0 when the proof holds (the decision on `out`); 1 when it does not, saying why on `err`; 2
// when the proof or the key cannot be read.
int run_verify(const VerifyOptions& options, std::FILE* out, std::FILE* err);

}  // namespace loket
