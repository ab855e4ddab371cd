#include "app/serve_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <optional>

#include "app/development_key.hpp"
#include "app/file_text.hpp"
#include "core/lottery_seeds.hpp"
#include "core/recovery.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "engine/lottery.hpp"
#include "net/server.hpp"
#include "parse/scheme_toml.hpp"
#include "parse/token_toml.hpp"
#include "proof/signed_note.hpp"
#include "storage/record.hpp"

namespace loket {
namespace {

constexpr std::size_t tokens_file_bytes_max = 1 << 20;
constexpr std::size_t secret_key_bytes_max = 4096;  // the participant and lottery keys

struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};

// HOST:PORT, HOST an IP address (IPv6 in brackets) or a name resolved once, now: the server
// listens on the name's first IPv4 address, or its first address when it has none.
Result<ListenAddress> parse_listen(std::string_view text) {
  const auto wrong = [text](std::string_view what) {
    return Status::invalid_argument(fmt::format("--listen {}: {}", text, what));
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || text.ends_with(']')) {
    return wrong("expected HOST:PORT, such as 127.0.0.1:8080 or [::1]:8080");
  }
  const std::string port_text(text.substr(colon + 1));
  unsigned port_number = 0;
  const auto [end, parsed] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port_number);
  if (port_text.empty() || port_text.size() > 5 || parsed != std::errc{} ||
      end != port_text.data() + port_text.size() || port_number > 65535) {
    return wrong("the port must be a number from 0 to 65535");
  }
  const auto port = static_cast<unsigned short>(port_number);
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  boost::asio::ip::make_address(host, error);
  if (!error) return ListenAddress{host, port};
  boost::asio::io_context context;
  boost::asio::ip::tcp::resolver resolver(context);
  const auto results =
      resolver.resolve(host, port_text, boost::asio::ip::resolver_base::numeric_service, error);
  if (error || results.empty()) {
    return wrong(fmt::format("the host '{}' cannot be resolved ({})", host, error.message()));
  }
  const auto ipv4 = std::find_if(results.begin(), results.end(), [](const auto& entry) {
    return entry.endpoint().address().is_v4();
  });
  const auto chosen = ipv4 != results.end() ? ipv4 : results.begin();
  return ListenAddress{chosen->endpoint().address().to_string(), port};
}

// The development tokens of app/development-tokens.toml. They are public (the README
// prints them), so a file that holds their hashes is a development file whatever it says.
constexpr std::array<std::string_view, 3> development_token_texts = {
    "dev-portal-token", "dev-operator-token", "dev-auditor-token"};

// A key file that holds a published development key, with or without the trailing newline
// an editor adds: no less public for it.
bool is_public_key(std::span<const std::uint8_t> key_bytes, std::string_view development_key) {
  std::string_view key(reinterpret_cast<const char*>(key_bytes.data()), key_bytes.size());
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.remove_suffix(1);
  return key == development_key;
}

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Everything serve reads before it touches the disk.
struct ServeInputs {
  ListenAddress listen;
  std::string scheme_text;
  Scheme scheme;  // parsed from scheme_text
  TokenFile tokens;
  std::vector<std::uint8_t> participant_key;
  std::vector<std::uint8_t> lottery_key;  // R8: the secret the lottery seeds derive from
  NoteSignerKey checkpoint_key;
};

// A secret from its file, or the development default when no file is given; a Status when
// the file cannot be read or is empty.
Result<std::vector<std::uint8_t>> read_secret(const std::string& path,
                                              std::string_view development_default) {
  if (path.empty()) {
    return std::vector<std::uint8_t>(development_default.begin(), development_default.end());
  }
  const Result<std::string> key = read_file_text(path, secret_key_bytes_max);
  if (!key.ok()) return key.status();
  if (key->empty()) return Status::invalid_argument(path + ": empty");
  return std::vector<std::uint8_t>(key->begin(), key->end());
}

// The key checkpoints are signed with: from its file, or the development key.
Result<NoteSignerKey> read_checkpoint_key(const std::string& path) {
  if (path.empty()) return parse_signer_key(development_checkpoint_key);
  const Result<std::string> text = read_file_text(path, secret_key_bytes_max);
  if (!text.ok()) return text.status();
  Result<NoteSignerKey> key = parse_signer_key(*text);
  if (!key.ok()) return Status::invalid_argument(path + ": " + key.status().message());
  return key;
}

// Reads and checks the scheme, the tokens and the participant key, and refuses development
// credentials off loopback. A Status whose message is the error line when anything is wrong.
Result<ServeInputs> read_inputs(const ServeOptions& options) {
  Result<ListenAddress> listen = parse_listen(options.listen);
  if (!listen.ok()) return listen.status();
  Result<std::string> scheme = read_file_text(options.scheme_path, limits::scheme_file_bytes_max);
  Result<std::string> tokens_text = read_file_text(options.tokens_path, tokens_file_bytes_max);
  for (const Result<std::string>* file : {&scheme, &tokens_text}) {
    if (!file->ok()) return file->status();
  }
  Result<Scheme> parsed = parse_scheme(*scheme, options.scheme_path);
  if (!parsed.ok()) return parsed.status();
  Result<TokenFile> tokens = parse_token_file(*tokens_text, options.tokens_path);
  if (!tokens.ok()) return tokens.status();
  Result<std::vector<std::uint8_t>> participant_key =
      read_secret(options.participant_key_path, development_participant_key);
  Result<std::vector<std::uint8_t>> lottery_key =
      read_secret(options.lottery_key_path, development_lottery_key);
  for (const Result<std::vector<std::uint8_t>>* key : {&participant_key, &lottery_key}) {
    if (!key->ok()) return key->status();
  }
  Result<NoteSignerKey> checkpoint_key = read_checkpoint_key(options.checkpoint_key_path);
  if (!checkpoint_key.ok()) return checkpoint_key.status();
  ServeInputs inputs{*listen,
                     std::move(scheme).value(),
                     std::move(parsed).value(),
                     std::move(tokens).value(),
                     std::move(participant_key).value(),
                     std::move(lottery_key).value(),
                     std::move(checkpoint_key).value()};
  std::string development = development_credentials(inputs.tokens, inputs.participant_key);
  if (development.empty() && is_public_key(inputs.lottery_key, development_lottery_key)) {
    development = "the development lottery key";
  }
  if (development.empty() &&
      format_signer_key(inputs.checkpoint_key) == development_checkpoint_key) {
    development = "the development checkpoint key";
  }
  if (!development.empty() && !boost::asio::ip::make_address(listen->host).is_loopback()) {
    return Status::invalid_argument(
        fmt::format("refusing to listen on {} with {}: give --tokens a file of your own, and "
                    "--participant-key-file, --lottery-key-file and --checkpoint-key-file secrets",
                    options.listen, development));
  }
  return inputs;
}

// The process holding RocksDB's lock on the journal folder, if another one does. Only while
// this process has not opened that journal: closing the descriptor would drop its own lock.
std::optional<pid_t> journal_lock_holder(const std::string& directory) {
  const int fd = ::open((std::filesystem::path(directory) / "LOCK").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock probe {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  const bool asked = ::fcntl(fd, F_GETLK, &probe) == 0;
  ::close(fd);
  if (!asked || probe.l_type == F_UNLCK) return std::nullopt;
  return probe.l_pid;
}

std::string journal_in_use(const std::string& directory, pid_t holder) {
  return fmt::format("journal {} is in use by another loket process (pid {})", directory, holder);
}

}  // namespace

std::string development_credentials(const TokenFile& tokens,
                                    std::span<const std::uint8_t> participant_key) {
  if (tokens.development) return "development tokens (development = true)";
  for (const TokenEntry& entry : tokens.tokens) {
    for (const std::string_view text : development_token_texts) {
      if (entry.sha256 == sha256(bytes_of(text))) {
        return fmt::format("the development token {} (as \"{}\")", text, entry.name);
      }
    }
  }
  if (is_public_key(participant_key, development_participant_key)) {
    return "the development participant key";
  }
  return {};
}

namespace {

// The server's settings from the options and what read_inputs read (tokens and key move).
ServerOptions server_options_of(const ServeOptions& options, ServeInputs& inputs) {
  ServerOptions server_options;
  server_options.connections_max = options.connections_max;
  server_options.read_timeout = options.read_timeout;
  server_options.idle_timeout = options.idle_timeout;
  server_options.write_timeout = options.write_timeout;
  server_options.drain_timeout = options.drain_timeout;
  if (!options.tls_certificate_chain_path.empty()) {
    server_options.tls = TlsFiles{options.tls_certificate_chain_path, options.tls_private_key_path};
  }
  server_options.address = inputs.listen.host;
  server_options.port = inputs.listen.port;
  server_options.io_threads = options.io_threads;
  server_options.tokens = std::move(inputs.tokens);
  server_options.participant_key = std::move(inputs.participant_key);
  return server_options;
}

// For a cluster node, its part in the cluster (null for a single node). invalid_argument for
// options that cannot make a node. Without --advertise, the node advertises the address it
// listens on, which must then be one a client can reach (not 0.0.0.0 or ::).
Result<std::unique_ptr<ClusterLeadership>> join_if_clustered(const ServeOptions& options,
                                                             const ServeInputs& inputs, bool tls,
                                                             unsigned short port) {
  if (options.cluster.endpoints.empty()) return std::unique_ptr<ClusterLeadership>();
  ClusterOptions cluster = options.cluster;
  if (cluster.advertise_url.empty()) {
    const boost::asio::ip::address host = boost::asio::ip::make_address(inputs.listen.host);
    if (host.is_unspecified()) {
      return Status::invalid_argument(fmt::format(
          "--listen {} with --cluster: give --advertise, the URL clients and the other nodes "
          "reach this node at (writes sent to a follower are redirected there)",
          options.listen));
    }
    const std::string shown = host.is_v6() ? "[" + inputs.listen.host + "]" : inputs.listen.host;
    cluster.advertise_url = fmt::format("{}://{}:{}", tls ? "https" : "http", shown, port);
  }
  return ClusterLeadership::create(cluster, inputs.scheme.id);
}

// The journal recovered; for a cluster node, also level with the log in etcd (through chunk
// *log_chunks).
Result<Recovered> recover(const ServeOptions& options, const ServeInputs& inputs,
                          ClusterLeadership* leadership, std::uint64_t* log_chunks,
                          std::FILE* log) {
  RecoveryOptions recovery;
  recovery.journal = options.journal_options;
  recovery.scheme = &inputs.scheme;  // parsed once, by read_inputs
  if (!leadership) return recover_journal(options.data_path, inputs.scheme_text, recovery);
  Result<CaughtUp> caught_up =
      leadership->catch_up(options.data_path, inputs.scheme_text, recovery);
  if (!caught_up.ok()) return caught_up.status();
  fmt::print(log, "loket serve: caught up with the cluster's log: {} events applied, {} dropped\n",
             caught_up->events_applied, caught_up->records_dropped);
  *log_chunks = caught_up->log_chunks;
  return std::move(caught_up->recovered);
}

// After the server stopped: what the journal holds, why a cluster node stopped, the exit code.
int exit_code_after(const Pipeline& pipeline, const std::optional<std::string>& node_stopped,
                    std::FILE* log) {
  fmt::print(log, "loket serve: stopped; journal durable through sequence {}\n",
             pipeline.durable_sequence());
  if (node_stopped) {
    fmt::print(log, "loket serve: this node stopped: {}; restart it to catch up and follow\n",
               *node_stopped);
    return 1;
  }
  return pipeline.healthy() ? 0 : 1;
}

}  // namespace

// The order is the point: everything that can refuse the start (arguments, files, the port,
// TLS, the journal's lock) is checked before the journal folder is created or opened.
// Whether the recovered journal's lottery commitments derive from the key given (else its
// draws would fail); says so, or what was recovered, on `log`.
bool lottery_key_fits(const Recovered& recovered, const ServeInputs& inputs,
                      const std::string& data_path, std::FILE* log) {
  const LotterySeeds lottery_seeds(inputs.lottery_key, recovered.journal->scheme_text());
  if (const Status key = lottery_seeds.check_key(*recovered.allocator); !key.is_ok()) {
    fmt::print(log,
               "loket serve: journal {}: {}; give the --lottery-key-file it was started with\n",
               data_path, key.message());
    return false;
  }
  fmt::print(log, "loket serve: journal {}: {} records recovered and verified, head {}\n",
             data_path, recovered.summary.records,
             to_hex(recovered.summary.head_hash).substr(0, 16));
  return true;
}

int run_serve(const ServeOptions& options, std::FILE* log) {
  Result<ServeInputs> read = read_inputs(options);
  if (!read.ok()) {
    fmt::print(log, "loket serve: {}\n", read.status().message());
    return 2;
  }
  ServeInputs inputs = std::move(read).value();
  ServerOptions server_options = server_options_of(options, inputs);
  const bool tls = server_options.tls.has_value();
  Result<std::unique_ptr<Server>> created = Server::create(std::move(server_options));
  if (!created.ok()) {
    fmt::print(log, "loket serve: cannot start on {}: {}\n", options.listen,
               created.status().message());
    return 1;
  }
  std::unique_ptr<Server> server = std::move(created).value();
  if (const auto holder = journal_lock_holder(options.data_path)) {
    fmt::print(log, "loket serve: {}\n", journal_in_use(options.data_path, *holder));
    return 1;
  }
  Result<std::unique_ptr<ClusterLeadership>> joined =
      join_if_clustered(options, inputs, tls, server->port());
  if (!joined.ok()) {
    fmt::print(log, "loket serve: {}\n", joined.status().message());
    return joined.status().code() == StatusCode::invalid_argument ? 2 : 1;
  }
  std::unique_ptr<ClusterLeadership> leadership = std::move(*joined);
  std::uint64_t log_chunks = 0;
  Result<Recovered> recovered = recover(options, inputs, leadership.get(), &log_chunks, log);
  if (!recovered.ok()) {
    // Another process may have taken the lock since the look above.
    const auto holder = journal_lock_holder(options.data_path);
    fmt::print(log, "loket serve: {}\n",
               holder ? journal_in_use(options.data_path, *holder) : recovered.status().message());
    return 1;
  }
  if (!lottery_key_fits(*recovered, inputs, options.data_path, log)) return 2;
  PipelineLimits pipeline_limits;
  pipeline_limits.queue_jobs_max = options.queue_jobs_max;
  Pipeline pipeline(std::move(recovered).value(), pipeline_limits, Pipeline::system_clock_now,
                    std::move(inputs.lottery_key),
                    leadership ? leadership->log_factory(to_hex(genesis_hash(inputs.scheme_text)))
                               : DurableLogFactory(),
                    leadership ? PipelineRole::follower : PipelineRole::leader,
                    CheckpointSigning{std::move(inputs.checkpoint_key),
                                      std::chrono::seconds(options.checkpoint_interval_seconds)});
  server->serve(pipeline);
  if (leadership) {
    leadership->on_stopped([&server] { server->stop(); });
    leadership->follow(pipeline, log_chunks, log);
  }
  fmt::print(log, "loket serve: listening on {}://{}:{} ({} I/O threads)\n", tls ? "https" : "http",
             inputs.listen.host, server->port(), options.io_threads);
  std::fflush(log);
  server->run();
  if (leadership) leadership->stop_following();  // a leader renews while the pipeline drains
  // The pipeline first: its jobs hold their sessions, which must not outlive the server.
  pipeline.stop();
  std::optional<std::string> node_stopped;
  if (leadership && leadership->stopped()) node_stopped = leadership->problem();
  leadership.reset();  // its thread may touch the pipeline and the server until it ends
  server.reset();
  return exit_code_after(pipeline, node_stopped, log);
}

}  // namespace loket
