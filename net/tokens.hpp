// Authentication by bearer token: the presented token against a token file's hashes. The
// tokens and roles are plain data in parse/token_file.hpp; parse/token_toml.hpp reads the file.
#pragma once

#include <optional>
#include <string_view>

#include "parse/token_file.hpp"

namespace loket {

// The token of an `Authorization: Bearer <token>` header (the scheme in any letter case, RFC
// 9110 section 11.1), or nothing for another scheme or none.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// The entry whose hash matches the presented token, or nothing.
const TokenEntry* find_token(const TokenFile& tokens, std::string_view presented);

}  // namespace loket
