// `loket serve --config FILE`: settings, paths taken from the file's folder, and errors that
// name the file, the line and the key.
#include <catch2/catch.hpp>

#include "app/serve_config.hpp"

using namespace loket;

TEST_CASE("A serve config file sets paths from its own folder, limits and TLS") {
  ServeOptions options;
  const std::string error = apply_serve_config(R"(
scheme = "scheme.toml"
data = "/var/lib/loket"
listen = "0.0.0.0:8443"
tokens = "../secrets/tokens.toml"
io_threads = 4
[limits]
connections_max = 500
queue_jobs_max = 1024
read_timeout_ms = 2000
drain_timeout_ms = 5000
[tls]
certificate_chain_file = "tls/server.crt"
private_key_file = "tls/server.key"
)",
                                               "/etc/loket/serve.toml", options);
  REQUIRE(error.empty());
  CHECK(options.scheme_path == "/etc/loket/scheme.toml");
  CHECK(options.data_path == "/var/lib/loket");
  CHECK(options.tokens_path == "/etc/secrets/tokens.toml");
  CHECK(options.listen == "0.0.0.0:8443");
  CHECK(options.io_threads == 4);
  CHECK(options.connections_max == 500);
  CHECK(options.queue_jobs_max == 1024);
  CHECK(options.read_timeout == std::chrono::milliseconds(2000));
  CHECK(options.idle_timeout == ServerOptions{}.idle_timeout);  // not given: the default
  CHECK(options.drain_timeout == std::chrono::milliseconds(5000));
  CHECK(options.tls_certificate_chain_path == "/etc/loket/tls/server.crt");
  CHECK(options.tls_private_key_path == "/etc/loket/tls/server.key");
  CHECK(options.participant_key_path.empty());
}

TEST_CASE("A bad serve config names file, line and key, and changes nothing") {
  const auto error_of = [](std::string_view text) {
    ServeOptions options;
    options.listen = "untouched";
    std::string error = apply_serve_config(text, "conf/serve.toml", options);
    CHECK(options.listen == "untouched");
    CHECK(options.scheme_path == ServeOptions{}.scheme_path);
    return error;
  };
  CHECK(error_of("listen = \"x\"\nschema = \"s.toml\"\n") ==
        "conf/serve.toml:2: schema: unknown key");
  CHECK(error_of("listen = \"x\"\n[limits]\nread_timeout_ms = 0\n") ==
        "conf/serve.toml:3: limits.read_timeout_ms: must be a whole number from 1 to 3600000");
  CHECK(error_of("scheme = \"s.toml\"\nio_threads = \"two\"\n") ==
        "conf/serve.toml:2: io_threads: must be a whole number from 1 to 64");
  CHECK(error_of("scheme = \"s.toml\"\n[tls]\ncertificate_chain_file = \"a.crt\"\n") ==
        "conf/serve.toml:2: tls: needs both certificate_chain_file and private_key_file");
  CHECK(error_of("listen = \"\"\n") == "conf/serve.toml:1: listen: must be a non-empty string");
  CHECK(error_of("listen = \n").starts_with("conf/serve.toml:1: "));
}
