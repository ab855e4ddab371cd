#include "net/tokens.hpp"

#include <algorithm>
#include <cctype>

#include "engine/crypto.hpp"
#include "net/limits.hpp"

namespace loket {

std::optional<std::string_view> bearer_token(std::string_view authorization) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ') {
    return std::nullopt;
  }
  for (std::size_t index = 0; index < scheme.size(); ++index) {
    if (std::tolower(static_cast<unsigned char>(authorization[index])) != scheme[index]) {
      return std::nullopt;
    }
  }
  std::string_view token = authorization.substr(scheme.size());
  token.remove_prefix(std::min(token.find_first_not_of(' '), token.size()));
  if (token.empty()) return std::nullopt;
  return token;
}

const TokenEntry* find_token(const TokenFile& tokens, std::string_view presented) {
  if (presented.empty() || presented.size() > net_limits::token_bytes_max) return nullptr;
  // Comparing hashes, not tokens: how long a comparison takes says nothing about a token.
  const Sha256Digest digest =
      sha256({reinterpret_cast<const std::uint8_t*>(presented.data()), presented.size()});
  for (const TokenEntry& entry : tokens.tokens) {
    if (entry.sha256 == digest) return &entry;
  }
  return nullptr;
}

}  // namespace loket
