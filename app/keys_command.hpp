// `loket keys`: a new Ed25519 key pair for signing checkpoints (docs/verify.md). The signing
// key goes to a new file only its owner may read; the verifier key, which is meant to be
// published, is printed.
#pragma once

#include <cstdio>
#include <string>

namespace loket {

struct KeysOptions {
  std::string name;      // the key's name in signatures, e.g. "minocw.nl/nl-leert-door"
  std::string out_path;  // the signing key's file; must not exist
};

// 0 when the key was written; 2 when the name or the file is refused (said on `err`).
int run_keys(const KeysOptions& options, std::FILE* out, std::FILE* err);

}  // namespace loket
