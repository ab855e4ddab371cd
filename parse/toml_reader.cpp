#include "parse/toml_reader.hpp"

#include <algorithm>

namespace loket {

void TomlReader::fail(const toml::node& node, std::string_view key_path,
                      std::string_view what) const {
  throw TomlFileError{
      fmt::format("{}:{}: {}: {}", source_name_, node.source().begin.line, key_path, what)};
}

void TomlReader::check_keys(const toml::table& table, std::string_view path,
                            std::initializer_list<std::string_view> known) const {
  for (const auto& [key, node] : table) {
    if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
      fail(node, join(path, key.str()), "unknown key");
    }
  }
}

std::int64_t TomlReader::whole_number(const toml::node& node, std::string_view key_path,
                                      std::int64_t minimum, std::int64_t maximum) const {
  const auto value = node.value<std::int64_t>();
  if (!node.is_integer() || !value || *value < minimum || *value > maximum) {
    fail(node, key_path, fmt::format("must be a whole number from {} to {}", minimum, maximum));
  }
  return *value;
}

std::string TomlReader::join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

}  // namespace loket
