#include "app/serve_config.hpp"

#include "parse/serve_config_toml.hpp"

namespace loket {
namespace {

template <typename Option, typename Given>
void set_if_given(Option& option, const std::optional<Given>& given) {
  if (given) option = *given;
}

}  // namespace

Status apply_serve_config(std::string_view toml_text, const std::string& file_path,
                          ServeOptions& options) {
  const Result<ServeConfig> parsed = parse_serve_config(toml_text, file_path);
  if (!parsed.ok()) return parsed.status();
  const ServeConfig& config = *parsed;
  set_if_given(options.scheme_path, config.scheme_path);
  set_if_given(options.data_path, config.data_path);
  set_if_given(options.listen, config.listen);
  set_if_given(options.tokens_path, config.tokens_path);
  set_if_given(options.participant_key_path, config.participant_key_path);
  set_if_given(options.lottery_key_path, config.lottery_key_path);
  set_if_given(options.checkpoint_key_path, config.checkpoint_key_path);
  set_if_given(options.checkpoint_interval_seconds, config.checkpoint_interval_seconds);
  set_if_given(options.io_threads, config.io_threads);
  set_if_given(options.connections_max, config.connections_max);
  set_if_given(options.queue_jobs_max, config.queue_jobs_max);
  set_if_given(options.read_timeout, config.read_timeout);
  set_if_given(options.idle_timeout, config.idle_timeout);
  set_if_given(options.write_timeout, config.write_timeout);
  set_if_given(options.drain_timeout, config.drain_timeout);
  if (config.tls) {
    options.tls_certificate_chain_path = config.tls->certificate_chain_path;
    options.tls_private_key_path = config.tls->private_key_path;
  }
  if (config.cluster) {
    options.cluster.endpoints = config.cluster->endpoints;
    set_if_given(options.cluster.node_name, config.cluster->node);
    set_if_given(options.cluster.advertise_url, config.cluster->advertise);
    set_if_given(options.cluster.lease_ttl_seconds, config.cluster->lease_ttl_seconds);
  }
  return Status::ok();
}

}  // namespace loket
