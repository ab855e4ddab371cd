// Reading a scheme file: TOML text in, a validated Scheme (engine/scheme.hpp) out.
#pragma once

#include <string_view>

#include "base/status.hpp"
#include "engine/scheme.hpp"

namespace loket {

// Parses and validates a scheme file's text: the scheme, or invalid_argument with
// "FILE:LINE: KEY: what is wrong" (source_name is the FILE, and used in messages only).
Result<Scheme> parse_scheme(std::string_view toml_text, std::string_view source_name);

}  // namespace loket
