#include "net/tokens.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cctype>
#include <variant>

#include "engine/crypto.hpp"
#include "net/limits.hpp"

namespace loket {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::portal:
      return "portal";
    case Role::operator_role:
      return "operator";
    case Role::auditor:
      return "auditor";
  }
  return "";
}

RoleRate default_rate(Role role) {
  switch (role) {
    case Role::portal:
      return {200'000, 200'000};
    case Role::operator_role:
    case Role::auditor:
      return {20, 40};
  }
  return {1, 1};
}

namespace {

// "FILE:LINE: KEY: WHAT", with the line of the node the problem is in.
std::string located_error(std::string_view source_name, const toml::node& node,
                          std::string_view key, std::string_view what) {
  return fmt::format("{}:{}: {}: {}", source_name, node.source().begin.line, key, what);
}

std::optional<Role> role_named(const std::optional<std::string>& name) {
  if (name == "portal") return Role::portal;
  if (name == "operator") return Role::operator_role;
  if (name == "auditor") return Role::auditor;
  return std::nullopt;
}

// The role's default rate, replaced by the table's requests_per_second and burst where given.
// Nothing, or what is wrong.
std::optional<std::string> read_rates(const toml::table& table, const std::string& path,
                                      std::string_view source_name, TokenEntry& entry) {
  const RoleRate rate = default_rate(entry.role);
  entry.requests_per_second = rate.requests_per_second;
  entry.burst = rate.burst;
  for (auto [key, value] : {std::pair{"requests_per_second", &entry.requests_per_second},
                            std::pair{"burst", &entry.burst}}) {
    const toml::node* node = table.get(key);
    if (node == nullptr) continue;
    const auto number = node->value<std::int64_t>();
    if (!node->is_integer() || !number || *number < 1 ||
        *number > net_limits::token_requests_per_second_max) {
      return located_error(source_name, *node, path + "." + key,
                           fmt::format("must be a whole number from 1 to {}",
                                       net_limits::token_requests_per_second_max));
    }
    *value = static_cast<std::uint32_t>(*number);
  }
  return std::nullopt;
}

// A name scopes its token's Idempotency-Keys, and a hash is how a token is found: two
// entries sharing either would answer one portal with another's receipts.
std::optional<std::string> clash_with_earlier(const TokenEntry& entry, const toml::table& table,
                                              const std::string& path, std::string_view source_name,
                                              const std::vector<TokenEntry>& earlier_tokens) {
  for (std::size_t earlier = 0; earlier < earlier_tokens.size(); ++earlier) {
    if (earlier_tokens[earlier].name == entry.name) {
      return located_error(source_name, *table.get("name"), path + ".name",
                           fmt::format("\"{}\" is already the name of token[{}]; names must differ",
                                       entry.name, earlier + 1));
    }
    if (earlier_tokens[earlier].sha256 == entry.sha256) {
      return located_error(
          source_name, *table.get("sha256"), path + ".sha256",
          fmt::format("the same hash as token[{}]; each token needs its own", earlier + 1));
    }
  }
  return std::nullopt;
}

// The table `path` (token[N]) as an entry, or what is wrong with it.
std::variant<TokenEntry, std::string> parse_token_entry(const toml::table& table,
                                                        const std::string& path,
                                                        std::string_view source_name,
                                                        const std::vector<TokenEntry>& earlier) {
  for (const auto& [key, node] : table) {
    if (key.str() != "name" && key.str() != "role" && key.str() != "sha256" &&
        key.str() != "requests_per_second" && key.str() != "burst") {
      return located_error(source_name, node, path + "." + std::string(key.str()), "unknown key");
    }
  }
  TokenEntry entry;
  const auto name = table["name"].value<std::string>();
  if (!name || name->empty()) {
    return located_error(source_name, table, path + ".name", "must be a non-empty string");
  }
  entry.name = *name;
  const std::optional<Role> role = role_named(table["role"].value<std::string>());
  if (!role) {
    return located_error(source_name, table, path + ".role",
                         "must be \"portal\", \"operator\" or \"auditor\"");
  }
  entry.role = *role;
  const auto hash = table["sha256"].value<std::string>();
  const auto bytes = hash ? from_hex(*hash) : std::nullopt;
  if (!bytes || bytes->size() != 32) {
    return located_error(source_name, table, path + ".sha256",
                         "must be the token's SHA-256 as 64 hex digits");
  }
  std::copy(bytes->begin(), bytes->end(), entry.sha256.begin());
  if (auto error = read_rates(table, path, source_name, entry)) return std::move(*error);
  if (auto error = clash_with_earlier(entry, table, path, source_name, earlier)) {
    return std::move(*error);
  }
  return entry;
}

}  // namespace

TokenFileResult parse_token_file(std::string_view toml_text, std::string_view source_name) {
  const auto fail = [&](const toml::node& node, std::string_view key, std::string_view what) {
    return TokenFileResult{std::nullopt, located_error(source_name, node, key, what)};
  };
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    return {std::nullopt,
            fmt::format("{}:{}: {}", source_name, error.source().begin.line, error.description())};
  }
  TokenFile file;
  for (const auto& [key, node] : root) {
    if (key.str() != "development" && key.str() != "token")
      return fail(node, key.str(), "unknown key");
  }
  if (const toml::node* development = root.get("development")) {
    if (!development->is_boolean())
      return fail(*development, "development", "must be true or false");
    file.development = development->as_boolean()->get();
  }
  const toml::array* tokens = root["token"].as_array();
  if (tokens == nullptr || !tokens->is_array_of_tables() || tokens->empty()) {
    return fail(root, "token", "needs at least one [[token]] table");
  }
  if (tokens->size() > net_limits::tokens_max) return fail(root, "token", "too many tokens");
  for (std::size_t index = 0; index < tokens->size(); ++index) {
    const std::string path = fmt::format("token[{}]", index + 1);
    auto parsed =
        parse_token_entry(*tokens->get(index)->as_table(), path, source_name, file.tokens);
    if (auto* error = std::get_if<std::string>(&parsed)) return {std::nullopt, std::move(*error)};
    file.tokens.push_back(std::get<TokenEntry>(std::move(parsed)));
  }
  return {std::move(file), {}};
}

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
