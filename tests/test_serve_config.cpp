// `loket serve`: its --config file (settings, paths taken from the file's folder, errors that
// name the file, the line and the key), and its start: development credentials refused off
// loopback, everything that can refuse the start checked before the journal folder is made,
// one journal for one process, and SIGHUP draining like SIGTERM.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <sys/wait.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

#include "app/development_key.hpp"
#include "app/serve_config.hpp"
#include "engine/crypto.hpp"
#include "engine/lottery.hpp"
#include "parse/token_toml.hpp"
#include "proof/signed_note.hpp"
#include "tests/child_process.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;
namespace http = boost::beast::http;

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
[cluster]
endpoints = ["http://10.0.0.1:2379", "http://10.0.0.2:2379"]
node = "loket-1"
advertise = "https://loket-1.example:8443"
lease_ttl_seconds = 3
)",
                                               "/etc/loket/serve.toml", options)
                                .message();
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
  CHECK(options.cluster.endpoints ==
        std::vector<std::string>{"http://10.0.0.1:2379", "http://10.0.0.2:2379"});
  CHECK(options.cluster.node_name == "loket-1");
  CHECK(options.cluster.advertise_url == "https://loket-1.example:8443");
  CHECK(options.cluster.lease_ttl_seconds == 3);
}

TEST_CASE("A bad serve config names file, line and key, and changes nothing", "[process]") {
  const auto error_of = [](std::string_view text) {
    ServeOptions options;
    options.listen = "untouched";
    std::string error = apply_serve_config(text, "conf/serve.toml", options).message();
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
  CHECK(error_of("listen = \"x\"\n[cluster]\nnode = \"a\"\n") ==
        "conf/serve.toml:2: cluster.endpoints: must be a list of 1 to 16 etcd client URLs");
  CHECK(error_of("listen = \"x\"\n[cluster]\nendpoints = []\n") ==
        "conf/serve.toml:3: cluster.endpoints: must be a list of 1 to 16 etcd client URLs");
  CHECK(error_of("listen = \"x\"\n[cluster]\nendpoints = [1]\n") ==
        "conf/serve.toml:3: cluster.endpoints: must hold non-empty strings");
  CHECK(error_of("listen = \"x\"\n[cluster]\nendpoints = [\"u\"]\nlease_ttl_seconds = 0\n") ==
        "conf/serve.toml:4: cluster.lease_ttl_seconds: must be a whole number from 1 to 3600");
  CHECK(error_of("listen = \"x\"\n[cluster]\nendpoints = [\"u\"]\nlease_ttl_seconds = 3601\n")
            .ends_with("must be a whole number from 1 to 3600"));
  CHECK(error_of("listen = \n").starts_with("conf/serve.toml:1: "));
}

namespace {

constexpr std::chrono::seconds hang_bound{60};  // only bounds a hang

// The exit code of a process that exited; -1 when a signal ended it.
int exit_code(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

// app/development-tokens.toml without its `development = true` line.
std::string development_tokens_unflagged() {
  std::string text = read_text(source_path("app/development-tokens.toml"));
  const std::size_t flag = text.find("development = true\n");
  REQUIRE(flag != std::string::npos);
  return text.erase(flag, std::string_view("development = true\n").size());
}

std::string own_tokens() {
  const std::string token = "a-secret-of-this-test";
  return fmt::format(
      "[[token]]\nname = \"own portal\"\nrole = \"portal\"\nsha256 = \"{}\"\n",
      to_hex(sha256({reinterpret_cast<const std::uint8_t*>(token.data()), token.size()})));
}

std::vector<std::string> serve_arguments(const TempFolder& folder, std::string listen,
                                         std::string tokens_path,
                                         std::vector<std::string> more = {}) {
  std::vector<std::string> arguments = {"serve",
                                        "--scheme",
                                        source_path("schemes/rehearsal.toml"),
                                        "--data",
                                        folder.path("journal"),
                                        "--listen",
                                        std::move(listen),
                                        "--tokens",
                                        std::move(tokens_path)};
  arguments.insert(arguments.end(), more.begin(), more.end());
  return arguments;
}

// Runs serve to its end (it is expected to refuse): its exit code and log; -2 when it started
// listening instead (it is then stopped), -3 when it did neither within the hang bound.
std::pair<int, std::string> refused_serve(const std::vector<std::string>& arguments) {
  ChildProcess serve(build_path("loket"), arguments);
  const auto deadline = std::chrono::steady_clock::now() + hang_bound;
  while (serve.running()) {
    if (serve.wait_for_log("listening on", std::chrono::milliseconds(100))) {
      return {-2, serve.log()};
    }
    if (std::chrono::steady_clock::now() > deadline) return {-3, serve.log()};
  }
  return {exit_code(serve.wait()), serve.log()};
}

// A new private key in PEM: RSA, or an EC key on P-256 (the test certificate's curve).
void write_new_key(const std::string& path, bool rsa) {
  EVP_PKEY* key = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  REQUIRE(key != nullptr);
  std::FILE* file = std::fopen(path.c_str(), "w");
  REQUIRE(file != nullptr);
  const int written = PEM_write_PrivateKey(file, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(file);
  EVP_PKEY_free(key);
  REQUIRE(written == 1);
}

}  // namespace

TEST_CASE("The development credentials are known by their hashes and key, flag or no flag") {
  const Result<TokenFile> unflagged =
      parse_token_file(development_tokens_unflagged(), "development-tokens.toml");
  REQUIRE(unflagged.ok());
  CHECK_FALSE(unflagged->development);
  const std::vector<std::uint8_t> own_key = {'s', 'e', 'c', 'r', 'e', 't'};
  // Each shipped development token on its own is recognised.
  for (const TokenEntry& entry : unflagged->tokens) {
    INFO(entry.name);
    CHECK_FALSE(development_credentials(TokenFile{false, {entry}}, own_key).empty());
  }
  const Result<TokenFile> own = parse_token_file(own_tokens(), "own.toml");
  REQUIRE(own.ok());
  CHECK(development_credentials(*own, own_key).empty());
  CHECK(development_credentials(*own, development_key_bytes()) ==
        "the development participant key");
  std::vector<std::uint8_t> key_with_newline = development_key_bytes();
  key_with_newline.push_back('\n');
  CHECK(development_credentials(*own, key_with_newline) == "the development participant key");
  TokenFile flagged = *own;
  flagged.development = true;
  CHECK_FALSE(development_credentials(flagged, own_key).empty());
}

TEST_CASE("Off loopback, serve refuses the development tokens and key even without the flag",
          "[process]") {
  TempFolder folder("serve-guard");
  const std::string unflagged = folder.write("unflagged.toml", development_tokens_unflagged());
  const std::string own = folder.write("own.toml", own_tokens());
  const std::string own_key = folder.write("own.key", "a-participant-secret");
  const std::string development_key =
      folder.write("development.key", std::string(development_participant_key) + "\n");
  for (const auto& [tokens, key] :
       {std::pair{unflagged, own_key}, std::pair{own, development_key}}) {
    INFO(tokens << " " << key);
    const auto [code, log] = refused_serve(
        serve_arguments(folder, "0.0.0.0:0", tokens, {"--participant-key-file", key}));
    INFO(log);
    CHECK(code == 2);
    CHECK(log.find("refusing to listen on 0.0.0.0:0 with") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(folder.path("journal")));
  }
  // The development lottery key, with an editor's newline, is as public as without.
  const std::string development_lottery =
      folder.write("development-lottery.key", std::string(development_lottery_key) + "\n");
  const auto [code, log] = refused_serve(serve_arguments(
      folder, "0.0.0.0:0", own,
      {"--participant-key-file", own_key, "--lottery-key-file", development_lottery}));
  INFO(log);
  CHECK(code == 2);
  CHECK(log.find("with the development lottery key") != std::string::npos);
  // And the development checkpoint key, which anyone can sign with.
  const std::string own_lottery_key = folder.write("lottery.key", "a-lottery-secret");
  const std::string development_checkpoint =
      folder.write("development-checkpoint.key", std::string(development_checkpoint_key) + "\n");
  const auto [checkpoint_code, checkpoint_log] = refused_serve(
      serve_arguments(folder, "0.0.0.0:0", own,
                      {"--participant-key-file", own_key, "--lottery-key-file", own_lottery_key,
                       "--checkpoint-key-file", development_checkpoint}));
  INFO(checkpoint_log);
  CHECK(checkpoint_code == 2);
  CHECK(checkpoint_log.find("with the development checkpoint key") != std::string::npos);
  // Its own credentials are served off loopback.
  const std::string own_checkpoint_key = folder.write(
      "checkpoint.key", format_signer_key(generate_signer_key("example.org/serve-guard")));
  ChildProcess serve(
      build_path("loket"),
      serve_arguments(folder, "0.0.0.0:0", own,
                      {"--participant-key-file", own_key, "--lottery-key-file", own_lottery_key,
                       "--checkpoint-key-file", own_checkpoint_key}));
  CHECK(serve.wait_for_log("listening on http://0.0.0.0:", hang_bound));
  INFO(serve.log());
  serve.signal(SIGTERM);
  CHECK(serve.wait() == 0);
}

TEST_CASE("A port in use or TLS files that do not match stop serve before it makes its journal",
          "[process]") {
  TempFolder folder("serve-order");
  const std::string tokens = source_path("app/development-tokens.toml");
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor occupied(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string taken = fmt::format("127.0.0.1:{}", occupied.local_endpoint().port());
  const std::string certificate = source_path("tests/data/tls/test-certificate.pem");
  const std::string rsa_key = folder.path("rsa.key");
  const std::string other_ec_key = folder.path("other-ec.key");
  write_new_key(rsa_key, true);
  write_new_key(other_ec_key, false);
  const auto tls = [&](const std::string& key) {
    return std::vector<std::string>{
        "--config", folder.write(std::filesystem::path(key).stem().string() + ".toml",
                                 fmt::format("[tls]\ncertificate_chain_file = \"{}\"\n"
                                             "private_key_file = \"{}\"\n",
                                             certificate, key))};
  };
  struct Refusal {
    std::string name;
    std::vector<std::string> arguments;
    std::string says;
  };
  const std::vector<Refusal> refusals = {
      {"port in use", serve_arguments(folder, taken, tokens),
       "cannot start on " + taken + ": bind: Address already in use\n"},
      {"a key of another type", serve_arguments(folder, "127.0.0.1:0", tokens, tls(rsa_key)),
       rsa_key + ": not the private key of the certificate in " + certificate},
      {"another key", serve_arguments(folder, "127.0.0.1:0", tokens, tls(other_ec_key)),
       other_ec_key + ": key values mismatch"},  // OpenSSL's own check, when the types agree
      {"a missing key", serve_arguments(folder, "127.0.0.1:0", tokens, tls(folder.path("no.key"))),
       folder.path("no.key")},
  };
  for (const Refusal& refusal : refusals) {
    INFO(refusal.name);
    const auto [code, log] = refused_serve(refusal.arguments);
    INFO(log);
    CHECK(code == 1);
    CHECK(log.find(refusal.says) != std::string::npos);
    CHECK(std::count(log.begin(), log.end(), '\n') == 1);  // one line
    CHECK_FALSE(std::filesystem::exists(folder.path("journal")));
  }
}

// Each I/O thread listens with SO_REUSEPORT, which would let a second process on the port
// take a share of the connections without a word: it must be refused instead.
TEST_CASE("A second serve on the port another serve listens on is refused, not given a share",
          "[process]") {
  TempFolder first_folder("port-first");
  TempFolder second_folder("port-second");
  const std::string tokens = source_path("app/development-tokens.toml");
  ChildProcess first(build_path("loket"), serve_arguments(first_folder, "127.0.0.1:0", tokens));
  const std::optional<unsigned short> port = first.wait_listening(hang_bound);
  INFO(first.log());
  REQUIRE(port);
  const std::string taken = fmt::format("127.0.0.1:{}", *port);
  const auto [code, log] = refused_serve(serve_arguments(second_folder, taken, tokens));
  INFO(log);
  CHECK(code == 1);
  CHECK(log.find("cannot start on " + taken + ": bind: Address already in use\n") !=
        std::string::npos);
  CHECK_FALSE(std::filesystem::exists(second_folder.path("journal")));
  // Every connection still reaches the first.
  for (int connection = 0; connection < 20; ++connection) {
    Client client(*port);
    CHECK(client.send(http::verb::get, "/healthz", "").status == 200);
  }
}

TEST_CASE(
    "A second serve on the same journal says it is in use and leaves the first serving, and SIGHUP "
    "drains like SIGTERM",
    "[process]") {
  TempFolder folder("serve-twice");
  const std::string tokens = source_path("app/development-tokens.toml");
  ChildProcess first(build_path("loket"), serve_arguments(folder, "127.0.0.1:0", tokens));
  const std::optional<unsigned short> port = first.wait_listening(hang_bound);
  INFO(first.log());
  REQUIRE(port);
  Client client(*port);
  const auto submit = [&](std::string_view participant) {
    return client
        .send(http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
              fmt::format(R"({{"participant":"{}"}})", participant))
        .status;
  };
  REQUIRE(submit("before") == 201);

  const auto [code, log] = refused_serve(serve_arguments(folder, "127.0.0.1:0", tokens));
  INFO(log);
  CHECK(code == 1);
  CHECK(log == fmt::format("loket serve: journal {} is in use by another loket process (pid {})\n",
                           folder.path("journal"), first.pid()));

  CHECK(submit("after") == 201);  // the first is unaffected
  first.signal(SIGHUP);
  const int first_status = first.wait();
  INFO("the first server's log after SIGHUP:\n" << first.log());
  CHECK(first_status == 0);
  CHECK(first.log().find("stopped; journal durable through sequence 2") != std::string::npos);
  ChildProcess audit(build_path("loket"), {"audit", "--data", folder.path("journal")});
  const int audited = audit.wait();
  INFO(audit.log());
  CHECK(audited == 0);
}

TEST_CASE("A cluster node's name, URL and lease are checked at their limits") {
  using namespace cluster_limits;
  const auto check = [](std::string name, std::string url, std::int64_t ttl) {
    return check_cluster_options({{"http://127.0.0.1:2379"}, std::move(name), std::move(url), ttl});
  };
  const std::string url = "http://loket-1:8080";
  CHECK(check("a", url, 1).is_ok());
  CHECK(check(std::string(node_name_bytes_max, 'n'), url, 3600).is_ok());
  CHECK(check("Node_1.b-2", "https://x", 2).is_ok());
  for (const std::string& bad_name : {std::string(), std::string(node_name_bytes_max + 1, 'n'),
                                      std::string("a b"), std::string("a/b"), std::string("é")}) {
    CAPTURE(bad_name);
    CHECK(check(bad_name, url, 2).code() == StatusCode::invalid_argument);
  }
  CHECK(check("a", "", 2).message().starts_with("--advertise"));
  CHECK(check("a", "ftp://x", 2).code() == StatusCode::invalid_argument);
  // It becomes a Location header on a follower's 307: visible ASCII only.
  for (const std::string& bad_url :
       {std::string("http://a b"), std::string("http://a\r\nSet-Cookie: x"),
        std::string("http://a\x7f"), std::string("http://\xc3\xa9")}) {
    CAPTURE(bad_url);
    CHECK(check("a", bad_url, 2).code() == StatusCode::invalid_argument);
  }
  CHECK(check("a", "http://" + std::string(advertise_url_bytes_max - 7, 'x'), 2).is_ok());
  CHECK(check("a", "http://" + std::string(advertise_url_bytes_max - 6, 'x'), 2).code() ==
        StatusCode::invalid_argument);
  CHECK(check("a", url, 0).message().starts_with("--lease-ttl"));
  CHECK(check("a", url, 3601).code() == StatusCode::invalid_argument);
  CHECK(check("a", url, INT64_MIN).code() == StatusCode::invalid_argument);
}
