// The `loket` executable: one subcommand per job.
#include <CLI/CLI.hpp>

#include "app/allocate_command.hpp"
#include "app/audit_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"loket: first-come-first-served allocation of scarce public budget"};
  app.require_subcommand(1);

  loket::AllocateOptions allocate;
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

  loket::AuditOptions audit;
  CLI::App* audit_command = app.add_subcommand(
      "audit", "Verify a journal's chain and sequence and re-derive every decision");
  audit_command->add_option("--data", audit.data_path, "The journal's folder")->required();
  audit_command->add_option("--scheme", audit.scheme_path,
                            "Audit against this scheme file instead of the journal's own");

  CLI11_PARSE(app, argc, argv);
  if (allocate_command->parsed()) return loket::run_allocate(allocate, stderr);
  if (audit_command->parsed()) return loket::run_audit(audit, stdout, stderr);
  return 1;
}
