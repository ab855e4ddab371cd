// Bearer tokens and their roles as plain data: what parse/token_toml.hpp reads from a token
// file, and what net/tokens.hpp checks a presented token against.
//
// The types live here, beside their reader, as engine/scheme.hpp's Scheme does for
// parse/scheme_toml.hpp: the reader is in parse/, which may not include net/, and net/ (which
// authenticates with them) is above parse/. base/ holds only what every layer shares, and
// tokens are nothing to the layers below net/.
//
// portal: submit and read; operator: close, close-day, appeals, read; auditor: read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loket {

// The limits of a token file (the HTTP front end's own are in net/limits.hpp).
namespace token_file_limits {
inline constexpr std::size_t tokens_max = 1024;
inline constexpr std::uint32_t requests_per_second_max = 1'000'000;  // and the most burst
}  // namespace token_file_limits

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

}  // namespace loket
