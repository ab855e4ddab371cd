#include "parse/token_toml.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "engine/crypto.hpp"
#include "parse/toml_reader.hpp"

namespace loket {
namespace {

std::optional<Role> role_named(const std::optional<std::string>& name) {
  if (name == "portal") return Role::portal;
  if (name == "operator") return Role::operator_role;
  if (name == "auditor") return Role::auditor;
  return std::nullopt;
}

// The role's default rate, replaced by the table's requests_per_second and burst where given.
void read_rates(const TomlReader& reader, const toml::table& table, const std::string& path,
                TokenEntry& entry) {
  const RoleRate rate = default_rate(entry.role);
  entry.requests_per_second = rate.requests_per_second;
  entry.burst = rate.burst;
  for (auto [key, value] : {std::pair{"requests_per_second", &entry.requests_per_second},
                            std::pair{"burst", &entry.burst}}) {
    if (const toml::node* node = table.get(key)) {
      *value = static_cast<std::uint32_t>(reader.whole_number(
          *node, path + "." + key, 1, token_file_limits::requests_per_second_max));
    }
  }
}

// A name scopes its token's Idempotency-Keys, and a hash is how a token is found: two
// entries sharing either would answer one portal with another's receipts.
void check_no_clash(const TomlReader& reader, const TokenEntry& entry, const toml::table& table,
                    const std::string& path, const std::vector<TokenEntry>& earlier_tokens) {
  for (std::size_t earlier = 0; earlier < earlier_tokens.size(); ++earlier) {
    if (earlier_tokens[earlier].name == entry.name) {
      reader.fail(*table.get("name"), path + ".name",
                  fmt::format("\"{}\" is already the name of token[{}]; names must differ",
                              entry.name, earlier + 1));
    }
    if (earlier_tokens[earlier].sha256 == entry.sha256) {
      reader.fail(*table.get("sha256"), path + ".sha256",
                  fmt::format("the same hash as token[{}]; each token needs its own", earlier + 1));
    }
  }
}

// The table `path` (token[N]) as an entry.
TokenEntry read_token_entry(const TomlReader& reader, const toml::table& table,
                            const std::string& path, const std::vector<TokenEntry>& earlier) {
  reader.check_keys(table, path, {"name", "role", "sha256", "requests_per_second", "burst"});
  TokenEntry entry;
  const auto name = table["name"].value<std::string>();
  if (!name || name->empty()) reader.fail(table, path + ".name", "must be a non-empty string");
  entry.name = *name;
  const std::optional<Role> role = role_named(table["role"].value<std::string>());
  if (!role) {
    reader.fail(table, path + ".role", "must be \"portal\", \"operator\" or \"auditor\"");
  }
  entry.role = *role;
  const auto hash = table["sha256"].value<std::string>();
  const auto bytes = hash ? from_hex(*hash) : std::nullopt;
  if (!bytes || bytes->size() != entry.sha256.size()) {
    reader.fail(table, path + ".sha256", "must be the token's SHA-256 as 64 hex digits");
  }
  std::copy(bytes->begin(), bytes->end(), entry.sha256.begin());
  read_rates(reader, table, path, entry);
  check_no_clash(reader, entry, table, path, earlier);
  return entry;
}

TokenFile read_token_file(const TomlReader& reader, const toml::table& root) {
  reader.check_keys(root, "", {"development", "token"});
  TokenFile file;
  if (const toml::node* development = root.get("development")) {
    if (!development->is_boolean())
      reader.fail(*development, "development", "must be true or false");
    file.development = development->as_boolean()->get();
  }
  const toml::array* tokens = root["token"].as_array();
  if (tokens == nullptr || !tokens->is_array_of_tables() || tokens->empty()) {
    reader.fail(root, "token", "needs at least one [[token]] table");
  }
  if (tokens->size() > token_file_limits::tokens_max) reader.fail(root, "token", "too many tokens");
  for (std::size_t index = 0; index < tokens->size(); ++index) {
    file.tokens.push_back(read_token_entry(reader, *tokens->get(index)->as_table(),
                                           fmt::format("token[{}]", index + 1), file.tokens));
  }
  return file;
}

}  // namespace

Result<TokenFile> parse_token_file(std::string_view toml_text, std::string_view source_name) {
  return read_toml_file(toml_text, source_name, read_token_file);
}

}  // namespace loket
