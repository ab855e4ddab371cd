// Reading a token file: TOML that holds only each token's SHA-256, never the token itself.
//
//   development = true            # optional: these tokens are public; loopback only
//   [[token]]
//   name = "portal-1"
//   role = "portal"               # portal | operator | auditor
//   sha256 = "<64 hex digits>"    # of the token text
//   requests_per_second = 1000    # optional; the role's default otherwise
//   burst = 2000                  # optional: requests at once after a pause
//
// Names and hashes must differ between tokens; limits in parse/token_file.hpp.
#pragma once

#include <string_view>

#include "base/status.hpp"
#include "parse/token_file.hpp"

namespace loket {

// The tokens, or invalid_argument with "FILE:LINE: token[2].role: what is wrong"
// (source_name is the FILE, and used in messages only).
Result<TokenFile> parse_token_file(std::string_view toml_text, std::string_view source_name);

}  // namespace loket
