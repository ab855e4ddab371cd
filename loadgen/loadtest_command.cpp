#include "loadgen/loadtest_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/system/system_error.hpp>
#include <fstream>
#include <sstream>

#include "loadgen/http_fetch.hpp"
#include "loadgen/load_checks.hpp"
#include "loadgen/load_client.hpp"

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

std::string milliseconds(std::uint64_t microseconds) {
  return fmt::format("{:.2f}", static_cast<double>(microseconds) / 1000.0);
}

void print_result(std::FILE* out, const LoadtestOptions& options, const LoadResult& result,
                  const RunCheck* check) {
  const LatencyHistogramUs& latency = result.latency;
  const double answered = static_cast<double>(latency.count());
  fmt::print(out, "  sent {}, answered {} in {:.2f} s: {:.0f} answers per second{}\n", result.sent,
             latency.count(), result.elapsed_seconds,
             result.elapsed_seconds > 0 ? answered / result.elapsed_seconds : 0.0,
             result.stopped_by_duration ? " (stopped at --duration)" : "");
  fmt::print(out, "  acknowledgement latency ms{}: p50 {}  p90 {}  p99 {}  p99.9 {}  max {}\n",
             options.profile == "flood" ? "" : " (from when each was due)",
             milliseconds(latency.percentile(50)), milliseconds(latency.percentile(90)),
             milliseconds(latency.percentile(99)), milliseconds(latency.percentile(99.9)),
             milliseconds(latency.max()));
  std::string statuses;
  for (const auto& [status, count] : result.answers_by_status) {
    statuses += fmt::format("  {} {}", status == 0 ? "no-answer" : std::to_string(status), count);
  }
  fmt::print(out, "  answers by status:{}  (sent as duplicates {}, as bad requests {})\n", statuses,
             result.duplicates_sent, result.bad_sent);
  std::string decisions;
  for (const auto& [decision, count] : result.decisions) {
    decisions += fmt::format("  {} {}", decision, count);
  }
  fmt::print(out, "  decisions:{}\n", decisions);
  for (const auto& [type, count] : result.problems)
    fmt::print(out, "  problem {} {}\n", type, count);
  for (const std::string& error : result.transport_errors) {
    fmt::print(out, "  connection error: {}\n", error);
  }
  if (check == nullptr) return;
  fmt::print(out, "  check: {} {} granted of {}; {} receipts compared with the server's record\n",
             check->granted_units, check->unit, check->capacity_units, check->receipts_checked);
  for (const std::string& failure : check->failures) fmt::print(out, "  FAILED: {}\n", failure);
}

void write_report(const std::string& path, const LoadtestOptions& options, const LoadResult& result,
                  const RunCheck* check, std::FILE* errors) {
  const LatencyHistogramUs& latency = result.latency;
  std::string statuses;
  for (const auto& [status, count] : result.answers_by_status) {
    statuses += fmt::format("{}\"{}\":{}", statuses.empty() ? "" : ",", status, count);
  }
  const std::string text = fmt::format(
      "{{\"target\":\"{}\",\"tranche\":\"{}\",\"profile\":\"{}\",\"connections\":{},"
      "\"sent\":{},\"answered\":{},\"elapsed_seconds\":{:.3f},\"answers_per_second\":{:.1f},"
      "\"latency_us\":{{\"p50\":{},\"p90\":{},\"p99\":{},\"p99_9\":{},\"max\":{}}},"
      "\"answers_by_status\":{{{}}},\"checked\":{},\"failures\":{}}}\n",
      options.target, options.tranche, options.profile, options.connections, result.sent,
      latency.count(), result.elapsed_seconds,
      result.elapsed_seconds > 0 ? static_cast<double>(latency.count()) / result.elapsed_seconds
                                 : 0.0,
      latency.percentile(50), latency.percentile(90), latency.percentile(99),
      latency.percentile(99.9), latency.max(), statuses, check != nullptr,
      check == nullptr ? 0 : check->failures.size());
  std::ofstream file(path, std::ios::binary);
  if (!(file << text)) fmt::print(errors, "loket loadtest: {}: cannot write the report\n", path);
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

// Runs the load, with a progress line when errors go to a terminal; nothing (and a message)
// when the target cannot be reached.
std::optional<LoadResult> run_with_progress(const LoadOptions& load, const LoadtestOptions& options,
                                            std::FILE* errors) {
  const bool terminal = ::isatty(::fileno(errors)) == 1;
  LoadResult result;
  try {
    result = run_load(load, [&](const LoadProgress& progress) {
      if (!terminal) return;
      fmt::print(errors, "\r  sent {}, acknowledged {}, {:.0f}/s, p99 so far {} ms   ",
                 progress.sent, progress.answered,
                 progress.elapsed_seconds > 0
                     ? static_cast<double>(progress.answered) / progress.elapsed_seconds
                     : 0.0,
                 milliseconds(progress.p99_us));
      std::fflush(errors);
    });
  } catch (const boost::system::system_error& error) {
    fmt::print(errors, "loket loadtest: {}: {}\n", options.target, error.what());
    return std::nullopt;
  }
  if (terminal) fmt::print(errors, "\r{:80}\r", "");
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

}  // namespace

int run_loadtest(const LoadtestOptions& options, std::FILE* out, std::FILE* errors) {
  const std::optional<HttpTarget> target = parse_target(options.target);
  if (!target) {
    fmt::print(errors, "loket loadtest: --target {}: expected http://HOST:PORT\n", options.target);
    return 2;
  }
  const std::optional<LoadOptions> load = load_options(options, *target, errors);
  if (!load) return 2;
  fmt::print(out, "loket loadtest: {} registrations to {} tranche {}, {} connections, profile {}\n",
             options.registrations, options.target, options.tranche, options.connections,
             options.profile);
  std::fflush(out);
  const std::optional<LoadResult> result = run_with_progress(*load, options, errors);
  if (!result) return 2;

  std::optional<RunCheck> check;
  if (!options.auditor_token.empty()) {
    const std::optional<ServerRecord> record = read_server_record(*target, options, errors);
    if (!record) return 2;
    check = check_run(result->receipts, options.tranche, record->tranche.body, record->events.body,
                      record->decisions.body);
    if (result->unreadable_receipts > 0) {
      check->failures.push_back(
          fmt::format("{} answers of 201 or 422 were not receipts", result->unreadable_receipts));
    }
  }
  print_result(out, options, *result, check ? &*check : nullptr);
  if (!options.report_path.empty()) {
    write_report(options.report_path, options, *result, check ? &*check : nullptr, errors);
  }
  const bool unanswered = result->answers_by_status.contains(0);
  const bool passed = (!check || check->failures.empty()) && !unanswered;
  fmt::print(out, "{}\n", passed ? "PASS" : "FAIL");
  return passed ? 0 : 1;
}

}  // namespace loket
