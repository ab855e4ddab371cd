#include "parse/serve_config_toml.hpp"

#include <filesystem>

#include "parse/toml_reader.hpp"

namespace loket {
namespace {

// What each number may be. The defaults are not here: they are the server's and the
// pipeline's own, and a setting the file leaves out keeps them.
struct Range {
  std::int64_t minimum;
  std::int64_t maximum;
};
constexpr Range io_threads_range{1, 64};
constexpr Range connections_range{1, 1'000'000};
constexpr Range queue_jobs_range{16, 1 << 24};
constexpr Range timeout_ms_range{1, 3'600'000};  // up to an hour
constexpr Range lease_ttl_seconds_range{1, 3600};
constexpr Range checkpoint_interval_seconds_range{1, 86400};  // up to a day
constexpr std::size_t cluster_endpoints_max = 16;             // etcd_limits::endpoints_max

class ConfigReader : public TomlReader {
 public:
  explicit ConfigReader(std::string_view file_path)
      : TomlReader(file_path), folder_(std::filesystem::path(file_path).parent_path()) {}

  // The table under key, or null when there is none.
  const toml::table* table(const toml::table& parent, std::string_view key) const {
    const toml::node* node = parent.get(key);
    if (node != nullptr && !node->is_table()) fail(*node, key, "must be a table");
    return node == nullptr ? nullptr : node->as_table();
  }

  std::optional<std::string> text(const toml::table& table, std::string_view path,
                                  std::string_view key) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string() || node->as_string()->get().empty()) {
      fail(*node, join(path, key), "must be a non-empty string");
    }
    return node->as_string()->get();
  }

  // A path as given when absolute, or else from the file's folder.
  std::optional<std::string> file_path(const toml::table& table, std::string_view path,
                                       std::string_view key) const {
    const std::optional<std::string> given = text(table, path, key);
    if (!given) return std::nullopt;
    const std::filesystem::path relative(*given);
    return relative.is_absolute() ? *given : (folder_ / relative).lexically_normal().string();
  }

  template <typename Number>
  std::optional<Number> number(const toml::table& table, std::string_view path,
                               std::string_view key, Range range) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return std::nullopt;
    return Number(whole_number(*node, join(path, key), range.minimum, range.maximum));
  }

 private:
  std::filesystem::path folder_;
};

void read_limits(const ConfigReader& reader, const toml::table& limits, ServeConfig& config) {
  reader.check_keys(limits, "limits",
                    {"connections_max", "queue_jobs_max", "read_timeout_ms", "idle_timeout_ms",
                     "write_timeout_ms", "drain_timeout_ms"});
  using std::chrono::milliseconds;
  config.connections_max =
      reader.number<std::size_t>(limits, "limits", "connections_max", connections_range);
  config.queue_jobs_max =
      reader.number<std::size_t>(limits, "limits", "queue_jobs_max", queue_jobs_range);
  config.read_timeout =
      reader.number<milliseconds>(limits, "limits", "read_timeout_ms", timeout_ms_range);
  config.idle_timeout =
      reader.number<milliseconds>(limits, "limits", "idle_timeout_ms", timeout_ms_range);
  config.write_timeout =
      reader.number<milliseconds>(limits, "limits", "write_timeout_ms", timeout_ms_range);
  config.drain_timeout =
      reader.number<milliseconds>(limits, "limits", "drain_timeout_ms", timeout_ms_range);
}

ServeConfig::TlsPaths read_tls(const ConfigReader& reader, const toml::table& tls) {
  reader.check_keys(tls, "tls", {"certificate_chain_file", "private_key_file"});
  std::optional<std::string> chain = reader.file_path(tls, "tls", "certificate_chain_file");
  std::optional<std::string> key = reader.file_path(tls, "tls", "private_key_file");
  if (!chain || !key) {
    reader.fail(tls, "tls", "needs both certificate_chain_file and private_key_file");
  }
  return {std::move(*chain), std::move(*key)};
}

ServeConfig::Cluster read_cluster(const ConfigReader& reader, const toml::table& cluster) {
  reader.check_keys(cluster, "cluster", {"endpoints", "node", "advertise", "lease_ttl_seconds"});
  ServeConfig::Cluster read;
  const toml::node* endpoints = cluster.get("endpoints");
  const toml::array* list = endpoints ? endpoints->as_array() : nullptr;
  if (list == nullptr || list->empty() || list->size() > cluster_endpoints_max) {
    reader.fail(endpoints ? *endpoints : static_cast<const toml::node&>(cluster),
                "cluster.endpoints",
                fmt::format("must be a list of 1 to {} etcd client URLs", cluster_endpoints_max));
  }
  for (const toml::node& endpoint : *list) {
    if (!endpoint.is_string() || endpoint.as_string()->get().empty()) {
      reader.fail(endpoint, "cluster.endpoints", "must hold non-empty strings");
    }
    read.endpoints.push_back(endpoint.as_string()->get());
  }
  read.node = reader.text(cluster, "cluster", "node");
  read.advertise = reader.text(cluster, "cluster", "advertise");
  read.lease_ttl_seconds =
      reader.number<std::int64_t>(cluster, "cluster", "lease_ttl_seconds", lease_ttl_seconds_range);
  return read;
}

ServeConfig read_serve_config(const ConfigReader& reader, const toml::table& root) {
  reader.check_keys(root, "",
                    {"scheme", "data", "listen", "tokens", "participant_key_file",
                     "lottery_key_file", "checkpoint_key_file", "checkpoint_interval_seconds",
                     "io_threads", "limits", "tls", "cluster"});
  ServeConfig config;
  config.scheme_path = reader.file_path(root, "", "scheme");
  config.data_path = reader.file_path(root, "", "data");
  config.listen = reader.text(root, "", "listen");
  config.tokens_path = reader.file_path(root, "", "tokens");
  config.participant_key_path = reader.file_path(root, "", "participant_key_file");
  config.lottery_key_path = reader.file_path(root, "", "lottery_key_file");
  config.checkpoint_key_path = reader.file_path(root, "", "checkpoint_key_file");
  config.checkpoint_interval_seconds = reader.number<std::int64_t>(
      root, "", "checkpoint_interval_seconds", checkpoint_interval_seconds_range);
  config.io_threads = reader.number<std::size_t>(root, "", "io_threads", io_threads_range);
  if (const toml::table* limits = reader.table(root, "limits")) {
    read_limits(reader, *limits, config);
  }
  if (const toml::table* tls = reader.table(root, "tls")) config.tls = read_tls(reader, *tls);
  if (const toml::table* cluster = reader.table(root, "cluster")) {
    config.cluster = read_cluster(reader, *cluster);
  }
  return config;
}

}  // namespace

Result<ServeConfig> parse_serve_config(std::string_view toml_text, const std::string& file_path) {
  return read_toml_file<ConfigReader>(toml_text, file_path, read_serve_config);
}

}  // namespace loket
