// Signed checkpoints end to end, through the real executable: a server signs checkpoints with
// a key from `loket keys`, each pins the decisions export exactly, receipts name the export's
// lines, the checkpoints survive a restart, and `loket audit --checkpoint` passes the journal
// but fails one cut short or rewritten and sealed again, and refuses a forged checkpoint.
#include <fmt/format.h>
#include <signal.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "proof/checkpoint.hpp"
#include "proof/merkle_tree.hpp"
#include "proof/merkle_verify.hpp"
#include "tests/child_process.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/merkle_reference.hpp"
#include "tests/proof_fixture.hpp"

namespace loket::testing {
namespace {

namespace http = boost::beast::http;

// Sends `count` registrations; returns each receipt's id and leaf_index.
std::vector<std::pair<std::string, std::uint64_t>> register_participants(unsigned short port,
                                                                         int first, int count) {
  Client client(port);
  std::vector<std::pair<std::string, std::uint64_t>> receipts;
  for (int number = first; number < first + count; ++number) {
    const Answer answer =
        client.send(http::verb::post, "/v1/tranches/t/submissions", "dev-portal-token",
                    fmt::format(R"({{"id":"C-{}","participant":"p-{}"}})", number, number));
    REQUIRE(answer.status == 201);
    const boost::json::value body = answer.json();
    const auto& receipt = body.as_object();
    receipts.emplace_back(std::string(receipt.at("id").as_string()),
                          receipt.at("leaf_index").to_number<std::uint64_t>());
  }
  return receipts;
}

LoketRun audit_with(const std::string& journal, const std::vector<std::string>& checkpoints,
                    const std::string& key) {
  std::vector<std::string> arguments = {"audit", "--data", journal, "--key", key};
  for (const auto& checkpoint : checkpoints) {
    arguments.push_back("--checkpoint");
    arguments.push_back(checkpoint);
  }
  return run_loket(arguments);
}

}  // namespace

TEST_CASE("checkpoints: signed by the server, met by its journal, failed by a changed one",
          "[process][proof]") {
  TempFolder folder("checkpoints");
  const std::string scheme = folder.write("tiny.toml", tiny_scheme);
  const std::string key_file = folder.path("checkpoint.key");
  const LoketRun keys = run_loket({"keys", "--name", "example.org/loket-test", "--out", key_file});
  REQUIRE(keys.exit_code == 0);
  const std::string verifier_text = keys.output.substr(keys.output.rfind("example.org/"));
  const auto verifier = parse_verifier_key(verifier_text);
  REQUIRE(verifier.ok());
  const std::string journal = folder.path("journal");
  const std::vector<std::string> serve = {"serve",
                                          "--scheme",
                                          scheme,
                                          "--data",
                                          journal,
                                          "--listen",
                                          "127.0.0.1:0",
                                          "--tokens",
                                          source_path("app/development-tokens.toml"),
                                          "--checkpoint-key-file",
                                          key_file,
                                          "--checkpoint-interval",
                                          "1"};
  std::string first_checkpoint;
  std::string second_checkpoint;
  {
    ChildProcess server(build_path("loket"), serve);
    const auto port = server.wait_listening(hang_timeout);
    INFO(server.log());
    REQUIRE(port);
    auto receipts = register_participants(*port, 1, 40);
    first_checkpoint = checkpoint_at(*port, 40, *verifier);
    const auto later = register_participants(*port, 41, 10);
    receipts.insert(receipts.end(), later.begin(), later.end());
    second_checkpoint = checkpoint_at(*port, 50, *verifier);
    // The checkpoint pins the decisions export, line for line; receipts name their line.
    Client client(*port);
    const auto lines = lines_of(
        client.send(http::verb::get, "/v1/export/decisions.jsonl", "dev-auditor-token").body);
    REQUIRE(lines.size() == 50);
    MerkleTree tree;
    for (const auto& line : lines) tree.append_leaf(line);
    CHECK(open_checkpoint(first_checkpoint, *verifier)->root_hash == tree.root(40));
    CHECK(open_checkpoint(second_checkpoint, *verifier)->root_hash == tree.root(50));
    for (const auto& [id, leaf_index] : receipts) {
      CHECK(lines.at(leaf_index).find(fmt::format(R"("id":"{}")", id)) != std::string::npos);
    }
    // Each applicant's proof holds by an independent RFC 9162, and by `loket verify` offline.
    const std::string proof =
        check_proofs(*port, receipts, lines, *open_checkpoint(second_checkpoint, *verifier));
    // The second checkpoint extends the first, by the server's consistency proof.
    const Answer consistency =
        client.send(http::verb::get, "/v1/proofs/consistency?from=40&to=50", "dev-auditor-token");
    REQUIRE(consistency.status == 200);
    const std::vector<MerkleHash> path =
        hashes_of(consistency.json().at("consistency_proof").as_array());
    const auto roots = merkle_reference::roots_from_consistency(40, 50, true, path, tree.root(40));
    REQUIRE(roots);
    CHECK(roots->old_root == tree.root(40));
    CHECK(roots->new_root == tree.root(50));
    CHECK(verify_consistency(40, 50, tree.root(40), tree.root(50), path));
    CHECK(client.send(http::verb::get, "/v1/proofs/consistency?from=40&to=51", "dev-portal-token")
              .problem_type() == "sizes-out-of-range");
    CHECK(client.send(http::verb::get, "/v1/proofs/consistency?from=0&to=50", "dev-portal-token")
              .status == 400);
    const LoketRun verified =
        run_loket({"verify", "--proof", folder.write("proof.json", proof), "--key", verifier_text});
    INFO(verified.output);
    CHECK(verified.exit_code == 0);
    std::string altered = proof;
    altered.replace(altered.find("window_closed"), 13, "tranche_full");
    CHECK(run_loket(
              {"verify", "--proof", folder.write("altered.json", altered), "--key", verifier_text})
              .exit_code == 1);
    server.signal(SIGTERM);
    REQUIRE(server.wait() == 0);
  }
  {
    ChildProcess server(build_path("loket"), serve);
    const auto port = server.wait_listening(hang_timeout);
    REQUIRE(port);
    CHECK(checkpoint_at(*port, 50, *verifier) == second_checkpoint);  // survives the restart
    server.signal(SIGTERM);
    REQUIRE(server.wait() == 0);
  }
  // The auditor's report prints the final checkpoint, whole.
  const std::string report_path = folder.path("report.html");
  REQUIRE(run_loket({"report", "--data", journal, "--out", report_path}).exit_code == 0);
  const std::string report = read_text(report_path);
  CHECK(report.find("<pre id=final-checkpoint>" + second_checkpoint + "</pre>") !=
        std::string::npos);
  CHECK(report.find("pins the first 50 of them, all") != std::string::npos);
  const std::string first = folder.write("first.checkpoint", first_checkpoint);
  const std::string second = folder.write("second.checkpoint", second_checkpoint);
  const LoketRun passed = audit_with(journal, {first, second}, verifier_text);
  INFO(passed.output);
  CHECK(passed.exit_code == 0);
  CHECK(passed.output.find("second.checkpoint: 50 decisions") != std::string::npos);

  // The same events, cut short after 45 registrations, journaled again: a clean journal.
  const LoketRun exported = run_loket({"export", "--data", journal, "--what", "events"});
  REQUIRE(exported.exit_code == 0);
  std::vector<std::string> events;
  for (const auto& line : lines_of(exported.output)) {
    if (line.find(R"("type":"submit")") != std::string::npos) events.push_back(line);
  }
  REQUIRE(events.size() == 50);
  const auto journal_of = [&](const std::vector<std::string>& lines, const std::string& name) {
    // Numbered again, densely: the checkpoint events between them are left out.
    std::string text;
    for (std::size_t index = 0; index < lines.size(); ++index) {
      std::string line = lines[index];
      const std::size_t seq = line.find(R"("seq":)") + 6;
      line.replace(seq, line.find(',', seq) - seq, std::to_string(index + 1));
      text += line + "\n";
    }
    allocate_into(scheme, folder.write(name + ".jsonl", text), folder.path(name));
    return folder.path(name);
  };
  const std::string cut = journal_of({events.begin(), events.begin() + 45}, "cut");
  const LoketRun cut_audit = audit_with(cut, {first, second}, verifier_text);
  INFO(cut_audit.output);
  CHECK(cut_audit.exit_code == 1);
  CHECK(cut_audit.output.find("cut short") != std::string::npos);
  CHECK(audit_with(cut, {first}, verifier_text).exit_code == 0);

  // The events through the checkpoint of 40 decisions, then five more registrations: the
  // report shows that checkpoint as the final one and the five after it.
  std::vector<std::string> through_checkpoint;
  bool checkpoint_of_40 = false;
  for (const auto& line : lines_of(exported.output)) {
    through_checkpoint.push_back(line);
    checkpoint_of_40 = line.find(R"("type":"checkpoint")") != std::string::npos &&
                       line.find(R"(\n40\n)") != std::string::npos;
    if (checkpoint_of_40) break;
  }
  REQUIRE(checkpoint_of_40);
  through_checkpoint.insert(through_checkpoint.end(), events.begin() + 40, events.begin() + 45);
  const std::string after = journal_of(through_checkpoint, "after");
  REQUIRE(run_loket({"report", "--data", after, "--out", folder.path("after.html")}).exit_code ==
          0);
  CHECK(read_text(folder.path("after.html"))
            .find("pins the first 40 of them; 5 decisions came after it") != std::string::npos);

  // Registration 45 rewritten (another id), and everything sealed again from there on.
  std::vector<std::string> rewritten = events;
  rewritten[44].replace(rewritten[44].find("C-45"), 4, "X-45");
  const std::string resealed = journal_of(rewritten, "resealed");
  const LoketRun resealed_audit = audit_with(resealed, {second}, verifier_text);
  INFO(resealed_audit.output);
  CHECK(resealed_audit.exit_code == 1);
  CHECK(resealed_audit.output.find("were changed after") != std::string::npos);
  CHECK(audit_with(resealed, {first}, verifier_text).exit_code == 0);

  // A checkpoint whose size was changed no longer carries a valid signature.
  std::string forged = second_checkpoint;
  forged.replace(forged.find("\n50\n"), 4, "\n51\n");
  const LoketRun forged_audit =
      audit_with(journal, {folder.write("forged.checkpoint", forged)}, verifier_text);
  CHECK(forged_audit.exit_code == 2);
  CHECK(forged_audit.output.find("does not verify") != std::string::npos);
}

}  // namespace loket::testing
