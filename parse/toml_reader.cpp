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

std::string TomlReader::join(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

}  // namespace loket
