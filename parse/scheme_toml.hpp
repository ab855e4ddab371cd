// Reading a scheme file: TOML text in, a validated Scheme (engine/scheme.hpp) out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/scheme.hpp"

namespace loket {

struct SchemeParseResult {
  std::optional<Scheme> scheme;
  std::string error;  // "FILE:LINE: KEY: what is wrong" when scheme is empty
};

// Parses and validates a scheme file's text. source_name is used in error messages only.
SchemeParseResult parse_scheme(std::string_view toml_text, std::string_view source_name);

}  // namespace loket
