#include "loadgen/loadtest_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/system/system_error.hpp>
#include <chrono>
#include <fstream>
#include <sstream>

#include "engine/civil_time.hpp"
#include "loadgen/http_fetch.hpp"
#include "loadgen/load_checks.hpp"
#include "loadgen/load_client.hpp"
#include "loadgen/load_report.hpp"
#include "loadgen/preflight.hpp"
#include "loadgen/thresholds.hpp"
#include "loadgen/tls_client.hpp"

namespace loket {
namespace {

constexpr std::uint64_t registrations_max = 50'000'000;
constexpr std::size_t connections_max = 20'000;
constexpr std::size_t profile_file_bytes_max = 1 << 20;

std::optional<ArrivalProfile> make_profile(const LoadtestOptions& options, std::FILE* errors) {
  if (options.profile == "flood") return ArrivalProfile::flood();
  if (options.profile == "opening-day") {
    const double scale =
        options.time_scale > 0 ? options.time_scale : 86'400.0 / options.duration_seconds;
    return ArrivalProfile::opening_day(options.registrations, scale);
  }
  std::ifstream file(options.profile, std::ios::binary);
  std::ostringstream text;
  if (!file || !(text << file.rdbuf()) || text.str().size() > profile_file_bytes_max) {
    fmt::print(errors,
               "loket loadtest: --profile {}: not flood, opening-day or a readable CSV "
               "file of at most 1 MiB\n",
               options.profile);
    return std::nullopt;
  }
  Result<ArrivalProfile> parsed = ArrivalProfile::from_csv(text.str(), options.profile);
  if (!parsed.ok()) {
    fmt::print(errors, "loket loadtest: {}\n", parsed.status().message());
    return std::nullopt;
  }
  return std::move(parsed).value();
}

// Checks the options and builds the load's; nothing (and a message) when one is off.
std::optional<LoadOptions> load_options(const LoadtestOptions& options, const HttpTarget& target,
                                        std::FILE* errors) {
  if (options.tranche.empty() || options.registrations == 0 ||
      options.registrations > registrations_max || options.connections == 0 ||
      options.connections > connections_max || options.duration_seconds == 0) {
    fmt::print(errors,
               "loket loadtest: needs --tranche, 1 to {} --registrations, 1 to {} --connections "
               "and a --duration of at least 1 s\n",
               registrations_max, connections_max);
    return std::nullopt;
  }
  std::optional<ArrivalProfile> profile = make_profile(options, errors);
  if (!profile) return std::nullopt;
  LoadOptions load;
  load.host = target.host;
  load.port = target.port;
  load.tls_context = target.tls_context;
  load.tranche = options.tranche;
  load.token = options.token;
  load.registrations = options.registrations;
  load.connections = options.connections;
  load.profile = *profile;
  load.duration_max = std::chrono::seconds(options.duration_seconds);
  load.duplicate_share = options.duplicate_share;
  load.bad_share = options.bad_share;
  load.run_id =
      options.run_id.empty()
          ? fmt::format("LT{:x}",
                        std::chrono::system_clock::now().time_since_epoch().count() / 1000)
          : options.run_id;
  return load;
}

// Runs the load with a progress report each second: one line redrawn on a terminal, plain
// lines (for a CI log) otherwise, each with the last second's rate and latency. Nothing (and
// a message) when the target cannot be reached.
std::optional<LoadResult> run_with_progress(const LoadOptions& load, const LoadtestOptions& options,
                                            std::FILE* errors) {
  const bool terminal = ::isatty(::fileno(errors)) == 1;
  LoadResult result;
  try {
    result = run_load(load, [&](const LoadProgress& progress) {
      const LoadInterval& last = progress.interval;
      fmt::print(errors,
                 "{}  {:.0f} s: sent {}, acknowledged {}; last second {} answers, p99 {:.2f} ms, "
                 "{} errors{}",
                 terminal ? "\r" : "", progress.elapsed_seconds, progress.sent, progress.answered,
                 last.answered, static_cast<double>(last.p99_us) / 1000.0, last.errors,
                 terminal ? "   " : "\n");
      std::fflush(errors);
    });
  } catch (const boost::system::system_error& error) {
    fmt::print(errors, "loket loadtest: {}: {}\n", options.target, error.code().message());
    return std::nullopt;
  }
  if (terminal) fmt::print(errors, "\r{:100}\r", "");
  return result;
}

// The server's record as its auditor reads it, for check_run.
struct ServerRecord {
  Fetched tranche;
  Fetched events;
  Fetched decisions;
};

// Nothing (and a message) when any part of the record cannot be read.
std::optional<ServerRecord> read_server_record(const HttpTarget& target,
                                               const LoadtestOptions& options, std::FILE* errors) {
  const Result<Fetched> fetched[] = {
      fetch(target, "GET", "/v1/tranches/" + options.tranche, options.token),
      fetch(target, "GET", "/v1/export/events.jsonl", options.auditor_token),
      fetch(target, "GET", "/v1/export/decisions.jsonl", options.auditor_token)};
  for (const Result<Fetched>& answer : fetched) {
    if (answer.ok() && answer->status == 200) continue;
    fmt::print(errors, "loket loadtest: cannot read the server's record: {}\n",
               answer.ok()
                   ? fmt::format("status {}: {}", answer->status, answer->body.substr(0, 300))
                   : answer.status().message());
    return std::nullopt;
  }
  return ServerRecord{*fetched[0], *fetched[1], *fetched[2]};
}

// An https:// target's certificate check; false (and a message) when it cannot be set up or
// a CA file is given for a plain target.
bool with_tls_settings(HttpTarget& target, const LoadtestOptions& options, std::FILE* errors) {
  if (!target.tls) {
    if (options.ca_file.empty()) return true;
    fmt::print(errors, "loket loadtest: --ca-file is for an https:// --target\n");
    return false;
  }
  Result<std::shared_ptr<boost::asio::ssl::context>> context = client_tls_context(options.ca_file);
  if (!context.ok()) {
    fmt::print(errors, "loket loadtest: {}\n", context.status().message());
    return false;
  }
  target.tls_context = std::move(context).value();
  return true;
}

// Writes `text` to `path`; a message when it cannot.
void write_file(const std::string& path, const std::string& text, std::FILE* errors) {
  std::ofstream file(path, std::ios::binary);
  if (!(file << text)) fmt::print(errors, "loket loadtest: {}: cannot write the report\n", path);
}

std::optional<std::vector<Threshold>> parse_thresholds(const LoadtestOptions& options,
                                                       std::FILE* errors) {
  if (options.thresholds.size() > thresholds_max) {
    fmt::print(errors, "loket loadtest: at most {} --threshold\n", thresholds_max);
    return std::nullopt;
  }
  std::vector<Threshold> thresholds;
  for (const std::string& text : options.thresholds) {
    Result<Threshold> parsed = parse_threshold(text);
    if (!parsed.ok()) {
      fmt::print(errors, "loket loadtest: {}\n", parsed.status().message());
      return std::nullopt;
    }
    thresholds.push_back(std::move(parsed).value());
  }
  return thresholds;
}

// The record check, when there is an auditor token; nothing (and a message) when the record
// cannot be read.
std::optional<std::optional<RunCheck>> check_record(const HttpTarget& target,
                                                    const LoadtestOptions& options,
                                                    const LoadResult& result, std::FILE* errors) {
  if (options.auditor_token.empty()) return std::optional<RunCheck>{};
  const std::optional<ServerRecord> record = read_server_record(target, options, errors);
  if (!record) return std::nullopt;
  RunCheck check = check_run(result.receipts, options.tranche, record->tranche.body,
                             record->events.body, record->decisions.body);
  if (result.unreadable_receipts > 0) {
    check.failures.push_back(
        fmt::format("{} answers of 201 or 422 were not receipts", result.unreadable_receipts));
  }
  return std::optional<RunCheck>(std::move(check));
}

}  // namespace

int run_loadtest(const LoadtestOptions& options, std::FILE* out, std::FILE* errors) {
  std::optional<HttpTarget> target = parse_target(options.target);
  if (!target || !with_tls_settings(*target, options, errors)) {
    if (!target) {
      fmt::print(errors,
                 "loket loadtest: --target {}: expected http://HOST:PORT or https://HOST:PORT\n",
                 options.target);
    }
    return 2;
  }
  const std::optional<LoadOptions> load = load_options(options, *target, errors);
  const std::optional<std::vector<Threshold>> thresholds = parse_thresholds(options, errors);
  if (!load || !thresholds) return 2;
  const TimestampNs started = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  if (options.preflight) {
    if (auto problem = preflight_problem(*target, options, started)) {
      fmt::print(errors, "loket loadtest: pre-flight: {}; nothing was sent\n", *problem);
      return 2;
    }
  }
  fmt::print(out, "loket loadtest: {} registrations to {} tranche {}, {} connections, profile {}\n",
             options.registrations, options.target, options.tranche, options.connections,
             options.profile);
  std::fflush(out);
  const std::optional<LoadResult> result = run_with_progress(*load, options, errors);
  if (!result) return 2;
  const auto check = check_record(*target, options, *result, errors);
  if (!check) return 2;
  LoadReport report{options, *result, *check ? &**check : nullptr, {}, format_rfc3339(started)};
  const RunFigures figures{&result->latency, attempts(*result), error_answers(*result),
                           answers_per_second(*result)};
  for (const Threshold& threshold : *thresholds) {
    report.verdicts.push_back(judge(threshold, figures));
  }
  const bool unanswered = result->answers_by_status.contains(0);
  const bool checked = (!*check || (*check)->failures.empty()) && !unanswered;
  const bool thresholds_met =
      std::all_of(report.verdicts.begin(), report.verdicts.end(),
                  [](const ThresholdVerdict& verdict) { return verdict.met; });
  report.exit_code = !checked ? 1 : thresholds_met ? 0 : loadtest_exit_threshold_missed;
  print_report(out, report);
  if (!options.report_path.empty()) write_file(options.report_path, report_json(report), errors);
  if (!options.html_report_path.empty()) {
    write_file(options.html_report_path, report_html(report), errors);
  }
  fmt::print(out, "{}\n",
             !checked         ? "FAIL"
             : thresholds_met ? "PASS"
                              : "FAIL: a threshold was not met");
  return report.exit_code;
}

}  // namespace loket
