#include "app/demo_command.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <optional>
#include <random>
#include <thread>

#include "app/audit_command.hpp"
#include "app/development_key.hpp"
#include "app/file_text.hpp"
#include "app/report_command.hpp"
#include "core/recovery.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "loadgen/http_fetch.hpp"
#include "loadgen/loadtest_command.hpp"
#include "net/server.hpp"
#include "parse/scheme_toml.hpp"

namespace loket {
namespace {

// Tokens for this run only, never written anywhere: the server holds their hashes.
std::string random_token() {
  std::random_device device;
  std::array<std::uint8_t, 16> bytes{};
  for (std::uint8_t& byte : bytes) byte = static_cast<std::uint8_t>(device());
  return to_hex(bytes);
}

TokenEntry token_entry(std::string_view name, const std::string& token, Role role) {
  TokenEntry entry{std::string(name),
                   role,
                   {},
                   default_rate(role).requests_per_second,
                   default_rate(role).burst};
  entry.sha256 = sha256({reinterpret_cast<const std::uint8_t*>(token.data()), token.size()});
  return entry;
}

// data/demo-<time>: next to the server's own ./data, one folder per run.
std::string new_data_folder() {
  const auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
  return fmt::format("data/demo-{:x}", stamp);
}

// The journal folder must be new; its parent is created. False, with the reason printed to
// `errors`, when it cannot be.
bool prepare_new_journal_folder(const std::string& data, std::FILE* errors) {
  if (std::filesystem::exists(data)) {
    fmt::print(errors, "loket demo: {} exists; the demo starts a new journal\n", data);
    return false;
  }
  std::error_code folder_error;
  const std::filesystem::path parent = std::filesystem::path(data).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, folder_error);
  if (folder_error) {
    fmt::print(errors, "loket demo: {}: {}\n", parent.string(), folder_error.message());
    return false;
  }
  return true;
}

// The opening day against the demo's own server, with the checks of its record.
LoadtestOptions opening_rehearsal(const DemoOptions& options, unsigned short port,
                                  const std::string& portal_token,
                                  const std::string& auditor_token) {
  LoadtestOptions rehearsal;
  rehearsal.target = fmt::format("http://127.0.0.1:{}", port);
  rehearsal.tranche = options.tranche;
  rehearsal.registrations = options.registrations;
  rehearsal.connections = options.connections;
  rehearsal.profile = "opening-day";
  rehearsal.duration_seconds = options.duration_seconds;
  rehearsal.token = portal_token;
  rehearsal.auditor_token = auditor_token;
  rehearsal.run_id = "DEMO";
  return rehearsal;
}

// A new journal in a new folder, recovered as the server would. The scheme is read and parsed
// first, once, so that a bad one is named by its file and makes no journal folder. Nothing
// (and a message) when any step fails.
std::optional<Recovered> start_journal(const std::string& scheme_path, const std::string& data,
                                       std::FILE* errors) {
  const Result<std::string> text = read_file_text(scheme_path, limits::scheme_file_bytes_max);
  if (!text.ok()) {
    fmt::print(errors, "loket demo: {} (run it from the loket folder, or give --scheme)\n",
               text.status().message());
    return std::nullopt;
  }
  const Result<Scheme> parsed = parse_scheme(*text, scheme_path);
  if (!parsed.ok()) {
    fmt::print(errors, "loket demo: {}\n", parsed.status().message());
    return std::nullopt;
  }
  if (!prepare_new_journal_folder(data, errors)) return std::nullopt;
  RecoveryOptions recovery;
  recovery.scheme = &*parsed;
  Result<Recovered> recovered = recover_journal(data, *text, recovery);
  if (!recovered.ok()) {
    fmt::print(errors, "loket demo: {}\n", recovered.status().message());
    return std::nullopt;
  }
  return std::move(recovered).value();
}

// Step 2: the operator's close, then the time the user asked to look at the dashboard.
bool close_as_operator(const HttpTarget& target, const DemoOptions& options,
                       const std::string& operator_token, std::FILE* out) {
  fmt::print(out, "\n2. The operator closes tranche {}\n", options.tranche);
  const Result<Fetched> closed = fetch(
      target, "POST", fmt::format("/v1/tranches/{}/close", options.tranche), operator_token, "{}");
  fmt::print(out, "  {}\n",
             closed.ok() ? fmt::format("{} {}", closed->status, closed->body.substr(0, 200))
                         : closed.status().message());
  if (options.linger_seconds > 0) {
    fmt::print(out, "  the server stays up {} s for the dashboard\n", options.linger_seconds);
    std::fflush(out);
    std::this_thread::sleep_for(std::chrono::seconds(options.linger_seconds));
  }
  return closed.ok() && closed->status == 200;
}

}  // namespace

int run_demo(const DemoOptions& options, std::FILE* out, std::FILE* errors) {
  const std::string data = options.data_path.empty() ? new_data_folder() : options.data_path;
  std::optional<Recovered> recovered = start_journal(options.scheme_path, data, errors);
  if (!recovered) return 2;
  const std::string portal = random_token();
  const std::string operator_token = random_token();
  const std::string auditor = random_token();
  fmt::print(out, "loket demo: a server on {} with {}\n", data, options.scheme_path);

  // Checkpoints signed with the development key, every few seconds of the compressed day.
  constexpr std::chrono::seconds demo_checkpoint_interval{5};
  Pipeline pipeline(std::move(*recovered), PipelineLimits{}, Pipeline::system_clock_now,
                    {development_lottery_key.begin(), development_lottery_key.end()}, {},
                    PipelineRole::leader,
                    CheckpointSigning{parse_signer_key(development_checkpoint_key).value(),
                                      demo_checkpoint_interval});
  ServerOptions server_options;
  server_options.port = options.port;
  server_options.tokens.tokens = {token_entry("demo portal", portal, Role::portal),
                                  token_entry("demo operator", operator_token, Role::operator_role),
                                  token_entry("demo auditor", auditor, Role::auditor)};
  server_options.participant_key = development_key_bytes();
  Result<std::unique_ptr<Server>> created = Server::create(std::move(server_options));
  if (!created.ok()) {
    fmt::print(errors, "loket demo: cannot start a server: {}\n", created.status().message());
    pipeline.stop();
    return 1;
  }
  Server& server = **created;
  server.serve(pipeline);
  std::thread server_thread([&] { server.run(); });
  const HttpTarget target{"127.0.0.1", server.port(), false, nullptr};

  fmt::print(out, "  dashboard: http://127.0.0.1:{}/ops (paste this run's auditor token: {})\n",
             server.port(), auditor);
  const LoadtestOptions rehearsal = opening_rehearsal(options, server.port(), portal, auditor);
  fmt::print(out, "\n1. The opening: {} registrations over a day compressed into {} s\n",
             options.registrations, options.duration_seconds);
  const int rehearsed = run_loadtest(rehearsal, out, errors);

  const bool closed = close_as_operator(target, options, operator_token, out);
  server.stop();
  server_thread.join();
  pipeline.stop();
  const std::uint64_t records = pipeline.durable_sequence();

  fmt::print(out, "\n3. The auditor replays the journal\n");
  const int audited = run_audit(
      AuditOptions{data, {}, {}, std::string(development_checkpoint_verifier_key)}, out, errors);
  const std::string report_path = (std::filesystem::path(data) / "report.html").string();
  const int reported = run_report(ReportOptions{data, report_path, "en"}, errors);

  const bool passed = rehearsed == 0 && closed && audited == 0 && reported == 0;
  fmt::print(out,
             "\nloket demo: {}. {} records journaled; rehearsal checks {}, close {}, audit {}.\n"
             "  report: {}\n  journal: {} (audit it again: loket audit --data {})\n",
             passed ? "done" : "FAILED", records, rehearsed == 0 ? "passed" : "FAILED",
             closed ? "journaled" : "FAILED", audited == 0 ? "passed" : "FAILED", report_path, data,
             data);
  return passed ? 0 : 1;
}

}  // namespace loket
