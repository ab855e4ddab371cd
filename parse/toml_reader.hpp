// Internal to parse/ (its TOML readers: schemes, tokens, serve settings): what they share,
// so that every TOML file loket reads reports a problem the same way, "FILE:LINE: KEY: what
// is wrong", with the line of the node the problem is in.
//
// A reader stops at the first problem by throwing a TomlFileError from fail(); read_toml_file
// catches it, and toml++'s own syntax errors, and returns them as an invalid_argument Status.
// The exception never leaves parse/.
#pragma once

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/status.hpp"

namespace loket {

struct TomlFileError {
  std::string message;
};

class TomlReader {
 public:
  explicit TomlReader(std::string_view source_name) : source_name_(source_name) {}

  [[noreturn]] void fail(const toml::node& node, std::string_view key_path,
                         std::string_view what) const;

  // Rejects keys the contract does not name: a misspelt key must not silently leave a
  // default in force (a tranche without its budget, a server without its limit).
  void check_keys(const toml::table& table, std::string_view path,
                  std::initializer_list<std::string_view> known) const;

  // An integer from minimum to maximum; anything else (a float, a string) fails.
  std::int64_t whole_number(const toml::node& node, std::string_view key_path, std::int64_t minimum,
                            std::int64_t maximum) const;

  // "path.key", or "key" at the top level (path empty).
  static std::string join(std::string_view path, std::string_view key);

 private:
  std::string source_name_;
};

// Parses toml_text and returns read(reader, root), with a Reader (a TomlReader, or one that
// adds a file's own kinds of value) made for source_name, the name the messages give the
// file: the value, or the first problem as invalid_argument.
template <typename Reader = TomlReader, typename Read>
auto read_toml_file(std::string_view toml_text, std::string_view source_name, Read&& read)
    -> Result<std::invoke_result_t<Read, const Reader&, const toml::table&>> {
  const Reader reader(source_name);
  try {
    const toml::table root = toml::parse(toml_text, source_name);
    return read(reader, root);
  } catch (const toml::parse_error& error) {
    return Status::invalid_argument(
        fmt::format("{}:{}: {}", source_name, error.source().begin.line, error.description()));
  } catch (const TomlFileError& error) {
    return Status::invalid_argument(error.message);
  }
}

}  // namespace loket
