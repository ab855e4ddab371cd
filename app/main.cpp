// The `loket` executable: one subcommand per job.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <optional>

#include "app/allocate_command.hpp"
#include "app/audit_command.hpp"
#include "app/cluster_status.hpp"
#include "app/demo_command.hpp"
#include "app/export_command.hpp"
#include "app/file_text.hpp"
#include "app/keys_command.hpp"
#include "app/report_command.hpp"
#include "app/serve_command.hpp"
#include "app/serve_config.hpp"
#include "app/shipped_files.hpp"
#include "app/verify_command.hpp"
#include "base/version.hpp"
#include "loadgen/loadtest_command.hpp"

namespace {

// Each subcommand's flags, bound to its options; CLI11 keeps the pointers until parsing.
CLI::App* add_allocate_command(CLI::App& app, loket::AllocateOptions& allocate) {
  CLI::App* allocate_command =
      app.add_subcommand("allocate", "Decide a JSON-lines event file offline, as the server would");
  allocate_command->add_option("--scheme", allocate.scheme_path, "Scheme file (TOML)")->required();
  allocate_command
      ->add_option("--events", allocate.events_path, "Events, one JSON object a line ('-': stdin)")
      ->required();
  allocate_command->add_option("--out", allocate.out_path,
                               "Write decisions here instead of standard output");
  allocate_command->add_option("--data", allocate.data_path,
                               "Also journal the run in this (new) folder, as the server does");
  allocate_command->add_option("--participant-key-file", allocate.participant_key_path,
                               "Secret for the participant HMAC (default: the development key)");
  return allocate_command;
}

CLI::App* add_audit_command(CLI::App& app, loket::AuditOptions& audit) {
  CLI::App* audit_command = app.add_subcommand(
      "audit", "Verify a journal's chain and sequence and re-derive every decision");
  audit_command->add_option("--data", audit.data_path, "The journal's folder")->required();
  audit_command->add_option("--scheme", audit.scheme_path,
                            "Audit against this scheme file instead of the journal's own");
  audit_command->add_option("--checkpoint", audit.checkpoint_paths,
                            "A published checkpoint the journal must meet (any number)");
  audit_command->add_option("--key", audit.verifier_key,
                            "The checkpoints' verifier key (NAME+KEYID+KEY, or a file with it)");
  return audit_command;
}

CLI::App* add_export_command(CLI::App& app, loket::ExportOptions& export_options) {
  CLI::App* export_command =
      app.add_subcommand("export", "Write a journal's events or decisions as JSON lines or CSV");
  export_command->add_option("--data", export_options.data_path, "The journal's folder")
      ->required();
  export_command->add_option("--what", export_options.what, "events or decisions")
      ->check(CLI::IsMember({"events", "decisions"}));
  export_command->add_option("--format", export_options.format, "jsonl or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  export_command
      ->add_option("--dialect", export_options.dialect,
                   "CSV for: rfc4180 (default), or excel-nl (Excel under a Dutch locale: BOM, ';', "
                   "decimal comma, local time, a column per activity and attribute)")
      ->check(CLI::IsMember({"rfc4180", "excel-nl"}));
  export_command->add_option("--out", export_options.out_path, "Output file (default: stdout)");
  return export_command;
}

CLI::App* add_keys_command(CLI::App& app, loket::KeysOptions& keys) {
  CLI::App* keys_command = app.add_subcommand(
      "keys", "Create a key pair for signing checkpoints; print the verifier key to publish");
  keys_command->add_option("--name", keys.name, "The key's name, such as example.org/scheme")
      ->required();
  keys_command->add_option("--out", keys.out_path, "The signing key's new file")->required();
  return keys_command;
}

CLI::App* add_verify_command(CLI::App& app, loket::VerifyOptions& verify) {
  CLI::App* verify_command = app.add_subcommand(
      "verify", "Check an applicant's proof offline against its signed checkpoint");
  verify_command
      ->add_option("--proof", verify.proof_path,
                   "GET /v1/submissions/{id}/proof's JSON ('-': stdin)")
      ->required();
  verify_command
      ->add_option("--key", verify.verifier_key,
                   "The verifier key (NAME+KEYID+KEY, or a file with it)")
      ->required();
  return verify_command;
}

CLI::App* add_report_command(CLI::App& app, loket::ReportOptions& report) {
  CLI::App* report_command =
      app.add_subcommand("report", "Write the auditor's self-contained HTML report of a journal");
  report_command->add_option("--data", report.data_path, "The journal's folder")->required();
  report_command->add_option("--out", report.out_path, "The HTML file to write")
      ->capture_default_str();
  report_command->add_option("--lang", report.language, "The report's language: en or nl")
      ->check(CLI::IsMember({"en", "nl"}))
      ->capture_default_str();
  return report_command;
}

CLI::App* add_serve_command(CLI::App& app, loket::ServeOptions& serve) {
  CLI::App* serve_command = app.add_subcommand("serve", "Run the opening-day HTTP server");
  serve_command->add_option("--scheme", serve.scheme_path, "Scheme file")->capture_default_str();
  serve_command->add_option("--data", serve.data_path, "Journal folder")->capture_default_str();
  serve_command->add_option("--listen", serve.listen, "ADDRESS:PORT")->capture_default_str();
  serve_command->add_option("--tokens", serve.tokens_path, "Token file (hashes and roles)")
      ->capture_default_str();
  serve_command->add_option("--participant-key-file", serve.participant_key_path,
                            "Secret for the participant HMAC (required off loopback)");
  serve_command->add_option("--lottery-key-file", serve.lottery_key_path,
                            "Secret the lottery seeds derive from (required off loopback)");
  serve_command->add_option("--checkpoint-key-file", serve.checkpoint_key_path,
                            "Key checkpoints are signed with, from loket keys (required off "
                            "loopback)");
  serve_command
      ->add_option("--checkpoint-interval", serve.checkpoint_interval_seconds,
                   "Seconds between checkpoints while decisions are made")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  serve_command->add_option("--io-threads", serve.io_threads, "HTTP I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  serve_command
      ->add_option("--cluster", serve.cluster.endpoints,
                   "etcd client URLs, comma-separated: run as a node of a cluster")
      ->delimiter(',');
  serve_command->add_option("--node", serve.cluster.node_name, "This node's name in the cluster");
  serve_command->add_option("--advertise", serve.cluster.advertise_url,
                            "The URL clients reach this node at (default: from --listen)");
  serve_command
      ->add_option("--lease-ttl", serve.cluster.lease_ttl_seconds,
                   "Seconds a leader that stopped renewing keeps leading")
      ->capture_default_str();
  serve_command->add_option("--config", serve.config_path,
                            "Settings file (TOML: paths, limits, TLS); flags given here win");
  return serve_command;
}

CLI::App* add_loadtest_command(CLI::App& app, loket::LoadtestOptions& loadtest) {
  CLI::App* loadtest_command = app.add_subcommand(
      "loadtest", "Rehearse a tranche opening against a server, then check its record");
  loadtest_command->add_option("--target", loadtest.target, "http://HOST:PORT or https://HOST:PORT")
      ->capture_default_str();
  loadtest_command->add_option("--tranche", loadtest.tranche, "Tranche id")->required();
  loadtest_command->add_option("--registrations", loadtest.registrations, "How many to send")
      ->capture_default_str();
  loadtest_command->add_option("--connections", loadtest.connections, "Keep-alive connections")
      ->capture_default_str();
  loadtest_command
      ->add_option("--profile", loadtest.profile,
                   "flood, opening-day, or a CSV file of second,rate rows")
      ->capture_default_str();
  loadtest_command->add_option("--time-scale", loadtest.time_scale,
                               "opening-day: seconds of the day per second (default: the day "
                               "fits --duration)");
  loadtest_command
      ->add_option("--duration", loadtest.duration_seconds, "Stop sending after this many seconds")
      ->capture_default_str();
  loadtest_command->add_option("--token", loadtest.token, "Portal bearer token")
      ->capture_default_str();
  loadtest_command
      ->add_option("--auditor-token", loadtest.auditor_token,
                   "Auditor token for the export the checks read ('' skips the checks)")
      ->capture_default_str();
  loadtest_command
      ->add_option("--duplicates", loadtest.duplicate_share,
                   "Share of registrations repeating an earlier participant")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  loadtest_command->add_option("--bad", loadtest.bad_share, "Share of bad requests")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  loadtest_command->add_option("--report", loadtest.report_path, "Write the figures as JSON");
  loadtest_command->add_option("--ca-file", loadtest.ca_file,
                               "For an https:// target: the server's CA certificates (PEM); "
                               "default: the system's");
  loadtest_command->add_option("--html-report", loadtest.html_report_path,
                               "Write the figures as a self-contained HTML page");
  loadtest_command
      ->add_option("--threshold", loadtest.thresholds,
                   "A condition such as p99<200ms, errors<1% or rate>5000 (exit 3 when not met)")
      ->take_all();
  loadtest_command->add_flag("!--no-preflight", loadtest.preflight,
                             "Send even when the pre-flight check fails");
  return loadtest_command;
}

CLI::App* add_cluster_command(CLI::App& app, loket::ClusterStatusOptions& status) {
  CLI::App* cluster_command = app.add_subcommand("cluster", "A cluster's state in etcd");
  cluster_command->require_subcommand(1);
  CLI::App* status_command =
      cluster_command->add_subcommand("status", "Who leads, and how far the replicated log goes");
  status_command->add_option("--cluster", status.endpoints, "etcd client URLs, comma-separated")
      ->delimiter(',')
      ->required();
  status_command->add_option("--scheme", status.scheme_path, "Scheme file")->capture_default_str();
  return status_command;
}

CLI::App* add_demo_command(CLI::App& app, loket::DemoOptions& demo) {
  CLI::App* demo_command = app.add_subcommand(
      "demo", "Everything at once: serve, rehearse the opening, close, audit, report");
  demo_command->add_option("--scheme", demo.scheme_path, "Scheme file")->capture_default_str();
  demo_command->add_option("--tranche", demo.tranche, "Tranche id")->capture_default_str();
  demo_command->add_option("--data", demo.data_path,
                           "A new journal folder (default: data/demo-<time>)");
  demo_command->add_option("--registrations", demo.registrations, "How many to send")
      ->capture_default_str();
  demo_command
      ->add_option("--duration", demo.duration_seconds,
                   "Seconds the opening day is compressed into")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  demo_command->add_option("--port", demo.port, "Port to serve on (default: any free one)");
  demo_command
      ->add_option("--linger", demo.linger_seconds,
                   "Seconds the server stays up after the close, to look at the dashboard")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  return demo_command;
}

constexpr std::size_t serve_config_bytes_max = 1 << 20;

// The settings file's values under the flags: `serve` goes back to the defaults and takes the
// file's; the caller then parses the command line again, which sets only the flags given.
// Returns what is wrong with the file, if anything.
loket::Status apply_serve_config_file(loket::ServeOptions& serve) {
  const std::string config_path = serve.config_path;
  serve = loket::ServeOptions{};
  const loket::Result<std::string> config =
      loket::read_file_text(config_path, serve_config_bytes_max);
  return config.ok() ? loket::apply_serve_config(*config, config_path, serve) : config.status();
}

// Exit status 2 for a command line that cannot be run, as POSIX utilities do.
constexpr int usage_exit_code = 2;

// The first word of argv that names no subcommand where one is expected (`loket bogus`,
// `loket cluster bogus`): CLI11 would only say that a subcommand is required.
std::optional<std::string> unknown_subcommand(const CLI::App& app, int argc, char** argv) {
  const auto all = [](const CLI::App*) { return true; };
  const auto names = [&](const CLI::App& command) {
    std::string known;
    for (const CLI::App* subcommand : command.get_subcommands(all)) {
      known += (known.empty() ? "" : ", ") + subcommand->get_name();
    }
    return known;
  };
  const CLI::App* current = &app;
  std::string path = "loket";
  int index = 1;
  for (; index < argc && argv[index][0] != '-'; ++index) {
    if (current->get_subcommands(all).empty()) return std::nullopt;  // a positional argument
    const CLI::App* next = nullptr;
    for (const CLI::App* subcommand : current->get_subcommands(all)) {
      if (subcommand->get_name() == argv[index]) next = subcommand;
    }
    if (next == nullptr) {
      return fmt::format("{}: unknown subcommand '{}'; the subcommands are {}", path, argv[index],
                         names(*current));
    }
    path += " " + next->get_name();
    current = next;
  }
  // Out of words, or at an option other than --help or --version: the command is incomplete.
  const std::string_view option = index < argc ? std::string_view(argv[index]) : "";
  const bool asks = option == "--help" || option == "-h" || option == "--version";
  if (!asks && current->get_require_subcommand_min() > 0) {
    return fmt::format("{}: name a subcommand: {}", path, names(*current));
  }
  return std::nullopt;
}

// Parses argv into app. Nothing when a command is to run; else the exit code, after --help or
// --version (0) or a usage error (2, with what is wrong on stderr).
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
  if (const std::optional<std::string> unknown = unknown_subcommand(app, argc, argv)) {
    std::fprintf(stderr, "%s\n", unknown->c_str());
    return usage_exit_code;
  }
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::ParseError& error) {
    // --help and --version are ParseErrors too, whose exit code is 0 (success).
    return app.exit(error) == 0 ? 0 : usage_exit_code;
  }
}

int run_command(int argc, char** argv) {
  CLI::App app{"loket: first-come-first-served allocation of scarce public budget"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "loket " + std::string(loket::loket_version));
  loket::AllocateOptions allocate;
  CLI::App* allocate_command = add_allocate_command(app, allocate);
  loket::AuditOptions audit;
  CLI::App* audit_command = add_audit_command(app, audit);
  loket::ExportOptions export_options;
  CLI::App* export_command = add_export_command(app, export_options);
  loket::KeysOptions keys;
  CLI::App* keys_command = add_keys_command(app, keys);
  loket::VerifyOptions verify;
  CLI::App* verify_command = add_verify_command(app, verify);
  loket::ReportOptions report;
  CLI::App* report_command = add_report_command(app, report);
  loket::ServeOptions serve;
  CLI::App* serve_command = add_serve_command(app, serve);
  loket::LoadtestOptions loadtest;
  CLI::App* loadtest_command = add_loadtest_command(app, loadtest);
  loket::DemoOptions demo;
  CLI::App* demo_command = add_demo_command(app, demo);
  loket::ClusterStatusOptions cluster_status;
  CLI::App* cluster_status_command = add_cluster_command(app, cluster_status);

  if (const std::optional<int> exit_code = parse_command_line(app, argc, argv)) return *exit_code;
  if (serve_command->parsed() && !serve.config_path.empty()) {
    if (const loket::Status applied = apply_serve_config_file(serve); !applied.is_ok()) {
      std::fprintf(stderr, "loket serve: %s\n", applied.message().c_str());
      return 2;
    }
    if (const std::optional<int> exit_code = parse_command_line(app, argc, argv)) {
      return *exit_code;
    }
  }
  if (serve_command->parsed()) {
    serve.scheme_path = loket::shipped_file(serve.scheme_path);
    serve.tokens_path = loket::shipped_file(serve.tokens_path);
    return loket::run_serve(serve, stderr);
  }
  if (cluster_status_command->parsed()) {
    return loket::run_cluster_status(cluster_status, stdout, stderr);
  }
  if (loadtest_command->parsed()) return loket::run_loadtest(loadtest, stdout, stderr);
  if (demo_command->parsed()) {
    demo.scheme_path = loket::shipped_file(demo.scheme_path);
    return loket::run_demo(demo, stdout, stderr);
  }
  if (report_command->parsed()) return loket::run_report(report, stderr);
  if (keys_command->parsed()) return loket::run_keys(keys, stdout, stderr);
  if (verify_command->parsed()) return loket::run_verify(verify, stdout, stderr);
  if (export_command->parsed()) return loket::run_export(export_options, stderr);
  if (allocate_command->parsed()) return loket::run_allocate(allocate, stderr);
  if (audit_command->parsed()) return loket::run_audit(audit, stdout, stderr);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  // The last line of defence: each command reports its errors itself, with the file, line or
  // record; an exception that still gets here is a bug, but it must not end in an abort.
  try {
    return run_command(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "loket: stopped by an unexpected error (a bug; please report it): %s\n",
                 error.what());
  } catch (...) {
    std::fprintf(stderr, "loket: stopped by an unexpected error (a bug; please report it)\n");
  }
  return 2;
}
