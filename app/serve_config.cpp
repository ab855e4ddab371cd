#include "app/serve_config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <filesystem>

namespace loket {
namespace {

struct ConfigError {
  std::string message;
};

class ConfigReader {
 public:
  ConfigReader(const std::string& file_path)
      : file_path_(file_path), folder_(std::filesystem::path(file_path).parent_path()) {}

  [[noreturn]] void fail(const toml::node& node, std::string_view key,
                         std::string_view what) const {
    throw ConfigError{
        fmt::format("{}:{}: {}: {}", file_path_, node.source().begin.line, key, what)};
  }

  void check_keys(const toml::table& table, std::string_view prefix,
                  std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        fail(node, fmt::format("{}{}", prefix, key.str()), "unknown key");
      }
    }
  }

  void text(const toml::table& table, std::string_view prefix, std::string_view key,
            std::string& out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    if (!node->is_string() || node->as_string()->get().empty()) {
      fail(*node, fmt::format("{}{}", prefix, key), "must be a non-empty string");
    }
    out = node->as_string()->get();
  }

  void path(const toml::table& table, std::string_view prefix, std::string_view key,
            std::string& out) const {
    std::string given;
    text(table, prefix, key, given);
    if (given.empty()) return;
    const std::filesystem::path relative(given);
    out = relative.is_absolute() ? given : (folder_ / relative).lexically_normal().string();
  }

  template <class Number>
  void number(const toml::table& table, std::string_view prefix, std::string_view key,
              std::int64_t minimum, std::int64_t maximum, Number& out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return;
    const auto value = node->value<std::int64_t>();
    if (!node->is_integer() || !value || *value < minimum || *value > maximum) {
      fail(*node, fmt::format("{}{}", prefix, key),
           fmt::format("must be a whole number from {} to {}", minimum, maximum));
    }
    out = Number(*value);
  }

 private:
  std::string file_path_;
  std::filesystem::path folder_;
};

constexpr std::int64_t timeout_ms_max = 3'600'000;

void read_config(const toml::table& root, const ConfigReader& reader, ServeOptions& options) {
  reader.check_keys(root, "",
                    {"scheme", "data", "listen", "tokens", "participant_key_file",
                     "lottery_key_file", "io_threads", "limits", "tls"});
  reader.path(root, "", "scheme", options.scheme_path);
  reader.path(root, "", "data", options.data_path);
  reader.text(root, "", "listen", options.listen);
  reader.path(root, "", "tokens", options.tokens_path);
  reader.path(root, "", "participant_key_file", options.participant_key_path);
  reader.path(root, "", "lottery_key_file", options.lottery_key_path);
  reader.number(root, "", "io_threads", 1, 64, options.io_threads);
  if (const toml::node* node = root.get("limits")) {
    if (!node->is_table()) reader.fail(*node, "limits", "must be a table");
    const toml::table& limits = *node->as_table();
    reader.check_keys(limits, "limits.",
                      {"connections_max", "queue_jobs_max", "read_timeout_ms", "idle_timeout_ms",
                       "write_timeout_ms", "drain_timeout_ms"});
    reader.number(limits, "limits.", "connections_max", 1, 1'000'000, options.connections_max);
    reader.number(limits, "limits.", "queue_jobs_max", 16, 1 << 24, options.queue_jobs_max);
    reader.number(limits, "limits.", "read_timeout_ms", 1, timeout_ms_max, options.read_timeout);
    reader.number(limits, "limits.", "idle_timeout_ms", 1, timeout_ms_max, options.idle_timeout);
    reader.number(limits, "limits.", "write_timeout_ms", 1, timeout_ms_max, options.write_timeout);
    reader.number(limits, "limits.", "drain_timeout_ms", 1, timeout_ms_max, options.drain_timeout);
  }
  if (const toml::node* node = root.get("tls")) {
    if (!node->is_table()) reader.fail(*node, "tls", "must be a table");
    const toml::table& tls = *node->as_table();
    reader.check_keys(tls, "tls.", {"certificate_chain_file", "private_key_file"});
    reader.path(tls, "tls.", "certificate_chain_file", options.tls_certificate_chain_path);
    reader.path(tls, "tls.", "private_key_file", options.tls_private_key_path);
    if (options.tls_certificate_chain_path.empty() || options.tls_private_key_path.empty()) {
      reader.fail(tls, "tls", "needs both certificate_chain_file and private_key_file");
    }
  }
}

}  // namespace

std::string apply_serve_config(std::string_view toml_text, const std::string& file_path,
                               ServeOptions& options) {
  toml::table root;
  try {
    root = toml::parse(toml_text, file_path);
  } catch (const toml::parse_error& error) {
    return fmt::format("{}:{}: {}", file_path, error.source().begin.line, error.description());
  }
  ServeOptions changed = options;
  try {
    read_config(root, ConfigReader(file_path), changed);
  } catch (const ConfigError& error) {
    return error.message;
  }
  options = std::move(changed);
  return {};
}

}  // namespace loket
