#include "app/serve_command.hpp"

#include <fmt/format.h>

#include <boost/asio/ip/address.hpp>

#include "app/development_key.hpp"
#include "app/file_text.hpp"
#include "engine/limits.hpp"
#include "engine/lottery.hpp"
#include "net/lottery_seeds.hpp"
#include "net/server.hpp"
#include "storage/recovery.hpp"

namespace loket {
namespace {

struct ListenAddress {
  std::string host;
  unsigned short port = 0;
};

std::optional<ListenAddress> parse_listen(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string port_text(text.substr(colon + 1));
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int port = std::stoi(port_text);
  if (port > 65535) return std::nullopt;
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code error;
  boost::asio::ip::make_address(host, error);
  if (error) return std::nullopt;
  return ListenAddress{host, static_cast<unsigned short>(port)};
}

// A secret from its file, or the development default when no file is given. Nothing (after
// saying why on `log`) when the file cannot be read or is empty.
std::optional<std::vector<std::uint8_t>> read_secret(const std::string& path,
                                                     std::string_view development_default,
                                                     std::FILE* log) {
  if (path.empty())
    return std::vector<std::uint8_t>(development_default.begin(), development_default.end());
  const FileText key = read_file_text(path, 4096);
  if (!key.text || key.text->empty()) {
    fmt::print(log, "loket serve: {}\n", key.text ? path + ": empty" : key.error);
    return std::nullopt;
  }
  return std::vector<std::uint8_t>(key.text->begin(), key.text->end());
}

}  // namespace

int run_serve(const ServeOptions& options, std::FILE* log) {
  const auto listen = parse_listen(options.listen);
  if (!listen) {
    fmt::print(log, "loket serve: --listen {}: expected ADDRESS:PORT, such as 127.0.0.1:8080\n",
               options.listen);
    return 2;
  }
  const bool loopback = boost::asio::ip::make_address(listen->host).is_loopback();
  const FileText scheme = read_file_text(options.scheme_path, limits::scheme_file_bytes_max);
  const FileText tokens_text = read_file_text(options.tokens_path, 1 << 20);
  for (const FileText* file : {&scheme, &tokens_text}) {
    if (!file->text) {
      fmt::print(log, "loket serve: {}\n", file->error);
      return 2;
    }
  }
  if (SchemeParseResult parsed = parse_scheme(*scheme.text, options.scheme_path); !parsed.scheme) {
    fmt::print(log, "loket serve: {}\n", parsed.error);
    return 2;
  }
  TokenFileResult tokens = parse_token_file(*tokens_text.text, options.tokens_path);
  if (!tokens.tokens) {
    fmt::print(log, "loket serve: {}\n", tokens.error);
    return 2;
  }
  const char* development_secret = tokens.tokens->development             ? "tokens"
                                   : options.participant_key_path.empty() ? "participant key"
                                   : options.lottery_key_path.empty()     ? "lottery key"
                                                                          : nullptr;
  if (!loopback && development_secret != nullptr) {
    fmt::print(log,
               "loket serve: refusing to listen on {} with development {}: give --tokens a file "
               "of your own, and --participant-key-file and --lottery-key-file secrets\n",
               options.listen, development_secret);
    return 2;
  }
  std::optional<std::vector<std::uint8_t>> participant_key =
      read_secret(options.participant_key_path, development_participant_key, log);
  std::optional<std::vector<std::uint8_t>> lottery_key =
      read_secret(options.lottery_key_path, development_lottery_key, log);
  if (!participant_key || !lottery_key) return 2;

  Recovered recovered = recover_journal(options.data_path, *scheme.text,
                                        JournalOptions{*scheme.text, options.journal_env});
  if (!recovered.status.is_ok()) {
    fmt::print(log, "loket serve: {}\n", recovered.status.message());
    return 1;
  }
  const LotterySeeds lottery_seeds(*lottery_key, recovered.allocator->scheme(),
                                   recovered.journal->scheme_text());
  if (const std::string problem = lottery_seeds.key_problem(*recovered.allocator);
      !problem.empty()) {
    fmt::print(log,
               "loket serve: journal {}: {}; give the --lottery-key-file it was started with\n",
               options.data_path, problem);
    return 2;
  }
  fmt::print(log, "loket serve: journal {}: {} records recovered and verified, head {}\n",
             options.data_path, recovered.summary.records,
             to_hex(recovered.summary.head_hash).substr(0, 16));
  PipelineLimits pipeline_limits;
  pipeline_limits.queue_jobs_max = options.queue_jobs_max;
  Pipeline pipeline(std::move(recovered), pipeline_limits, Pipeline::system_clock_now,
                    std::move(*lottery_key));
  ServerOptions server_options;
  server_options.connections_max = options.connections_max;
  server_options.read_timeout = options.read_timeout;
  server_options.idle_timeout = options.idle_timeout;
  server_options.write_timeout = options.write_timeout;
  server_options.drain_timeout = options.drain_timeout;
  if (!options.tls_certificate_chain_path.empty()) {
    server_options.tls = TlsFiles{options.tls_certificate_chain_path, options.tls_private_key_path};
  }
  server_options.address = listen->host;
  server_options.port = listen->port;
  server_options.io_threads = options.io_threads;
  server_options.tokens = std::move(*tokens.tokens);
  server_options.participant_key = std::move(*participant_key);
  const bool tls = server_options.tls.has_value();
  try {
    Server server(std::move(server_options), pipeline);
    fmt::print(log, "loket serve: listening on {}://{}:{} ({} I/O threads)\n",
               tls ? "https" : "http", listen->host, server.port(), options.io_threads);
    std::fflush(log);
    server.run();
  } catch (const boost::system::system_error& error) {
    fmt::print(log, "loket serve: cannot start on {}: {}\n", options.listen, error.what());
    return 1;
  }
  pipeline.stop();
  fmt::print(log, "loket serve: stopped; journal durable through sequence {}\n",
             pipeline.durable_sequence());
  return pipeline.healthy() ? 0 : 1;
}

}  // namespace loket
