// Bearer tokens and their roles, from a TOML file that holds only each token's SHA-256:
//
//   development = true            # optional: these tokens are public; loopback only
//   [[token]]
//   name = "portal-1"
//   role = "portal"               # portal | operator | auditor
//   sha256 = "<64 hex digits>"    # of the token text
//   requests_per_second = 1000    # optional; the role's default otherwise
//   burst = 2000                  # optional: requests at once after a pause
//
// portal: submit and read; operator: close, close-day, appeals, read; auditor: read.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loket {

enum class Role : std::uint8_t { portal = 1, operator_role = 2, auditor = 3 };
std::string_view to_string(Role role);

struct TokenEntry {
  std::string name;
  Role role = Role::portal;
  std::array<std::uint8_t, 32> sha256{};
  std::uint32_t requests_per_second = 0;
  std::uint32_t burst = 0;
};

// A portal submits for many participants; the other roles are people and scripts.
struct RoleRate {
  std::uint32_t requests_per_second;
  std::uint32_t burst;
};
RoleRate default_rate(Role role);

struct TokenFile {
  bool development = false;
  std::vector<TokenEntry> tokens;
};

struct TokenFileResult {
  std::optional<TokenFile> tokens;
  std::string error;  // "FILE:LINE: token[2].role: ..." when tokens is empty
};

TokenFileResult parse_token_file(std::string_view toml_text, std::string_view source_name);

// The token of an `Authorization: Bearer <token>` header (the scheme in any letter case, RFC
// 9110 section 11.1), or nothing for another scheme or none.
std::optional<std::string_view> bearer_token(std::string_view authorization);

// The entry whose hash matches the presented token, or nothing.
const TokenEntry* find_token(const TokenFile& tokens, std::string_view presented);

}  // namespace loket
