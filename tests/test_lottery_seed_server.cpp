// R8's committed lottery seed on the server: the commitment is journaled before the first
// submission, what a portal sees cannot move the seed, each draw reveals the committed secret
// (with the operator's beacon), a restart keeps the chain, and `loket audit` checks it all and
// names a forged reveal. Jobs go straight to the pipeline, on a clock the test sets.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "app/audit_command.hpp"
#include "app/export_command.hpp"
#include "app/seed_audit.hpp"
#include "app/serve_command.hpp"
#include "app/serve_config.hpp"
#include "core/lottery_seeds.hpp"
#include "core/recovery.hpp"
#include "engine/civil_time.hpp"
#include "engine/lottery.hpp"
#include "net/operator_request.hpp"
#include "testing/journal_tamper.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/seed_server.hpp"

using namespace loket;
using namespace loket::testing;

TEST_CASE("The lottery seed is committed before the first submission and no portal can move it",
          "[lottery-seed][process]") {
  struct Run {
    std::string seed;
    std::string commitment;
    std::vector<std::string> receipt_hashes;
  };
  const auto run = [](std::string_view name, std::string_view key, int throwaway_submissions) {
    TempFolder folder(name);
    Run result;
    {
      SeedServer server(folder, key, at("2020-12-01T10:00:00Z"));
      fill_window(server, result.receipt_hashes);
      // A portal that wants another ranking sends requests it does not need: each moves the
      // journal's head, which the old seed (the head hash) followed.
      for (int index = 0; index < throwaway_submissions; ++index) {
        REQUIRE(server.submit("w", fmt::format("T-{}", index), fmt::format("t{}", index)).status ==
                201);
      }
      const Reply closed = server.operate(Endpoint::close, "w", "");
      REQUIRE(closed.status == 200);
      result.seed = std::string(json_of(closed).at("seed").as_string());
    }
    // The commitments are the journal's first records, one per lottery tranche.
    const JournalCopy journal = read_journal(folder);
    REQUIRE(journal.records.size() >= 3);
    const auto& commit = std::get<CommitSeedCommand>(journal.records[0].command);
    CHECK(commit.tranche_id == "w");
    CHECK(commit.nonce.has_value());
    CHECK(std::get<CommitSeedCommand>(journal.records[1].command).tranche_id == "d");
    CHECK(std::holds_alternative<SubmitCommand>(journal.records[2].command));
    // What the close revealed was fixed by the commitment, before any client was heard.
    const auto seed = from_hex(result.seed);
    REQUIRE(seed);
    CHECK(lottery_seed_reveals(commit.commitment, 0, *seed));
    result.commitment = to_hex(commit.commitment);
    return result;
  };
  const Run plain = run("seed-plain", "key-one", 0);
  const Run ground = run("seed-ground", "key-one", 5);
  const Run other_key = run("seed-other-key", "key-two", 0);
  INFO("plain " << plain.seed << ", ground " << ground.seed << ", other key " << other_key.seed);
  CHECK(plain.seed.size() == 64);  // the revealed secret, no beacon
  for (const std::string& hash : plain.receipt_hashes) CHECK(hash != plain.seed);
  // Each journal commits under a nonce of its own: a rehearsal's revealed seed, under the same
  // key and scheme, says nothing about the next journal's draw.
  CHECK(ground.commitment != plain.commitment);
  CHECK(ground.seed != plain.seed);
  CHECK(other_key.seed != plain.seed);
}

TEST_CASE("loket audit verifies every reveal against its commitment and names a forged one",
          "[lottery-seed][process]") {
  TempFolder folder("seed-audit");
  std::vector<std::string> receipt_hashes;
  std::string beacon(64, 'b');
  {
    SeedServer server(folder, "key", at("2020-12-01T10:00:00Z"));
    fill_window(server, receipt_hashes);
    server.set_now("2020-12-02T12:00:00Z");
    const Reply closed = server.operate(Endpoint::close, "w", R"({"beacon":")" + beacon + "\"}");
    REQUIRE(closed.status == 200);
    const std::string seed(json_of(closed).at("seed").as_string());
    CHECK(seed.size() == 128);
    CHECK(seed.ends_with(beacon));  // the beacon is in the record, after the secret
  }
  const AuditResult honest = audit(folder.path("journal"));
  INFO(honest.out << honest.errors);
  CHECK(honest.code == 0);
  CHECK(honest.out.find("lottery seed of tranche w: committed at seq 1 (1 draw), revealed at "
                        "seq 6 (close), verified") != std::string::npos);
  CHECK(honest.out.find("lottery seed of tranche d: committed at seq 2 (5 draws), not drawn "
                        "yet") != std::string::npos);

  // Change one bit of the revealed secret and re-seal that record and every later one.
  JournalCopy journal = read_journal(folder);
  Scheme scheme = scheme_from_toml(seed_scheme);
  SeedAudit seed_audit(scheme);
  std::vector<std::string> forged;
  std::vector<std::uint8_t> forged_seed;
  Sha256Digest head = genesis_hash(seed_scheme);
  for (JournalRecord& record : journal.records) {
    if (auto* close = std::get_if<CloseCommand>(&record.command)) {
      forged_seed.assign(close->seed.begin(), close->seed.end());
      forged_seed[0] ^= 1;
      close->seed = forged_seed;
    }
    seed_audit.visit(record);
    std::string bytes;
    head = encode_record(bytes, record.sequence, record.received_at, record.command,
                         record.monitoring_json, record.decisions, head, record.idempotency);
    forged.push_back(std::move(bytes));
  }
  REQUIRE(seed_audit.failure());
  CHECK(*seed_audit.failure() ==
        "record 6: tranche w: the seed of the draw (close) does not reveal the secret committed "
        "at seq 1");
  {
    JournalOpenResult opened =
        Journal::open(folder.path("journal"), JournalOptions{{}, nullptr, false});
    REQUIRE(opened.ok());
    for (std::size_t index = 0; index < forged.size(); ++index) {
      REQUIRE(overwrite_record(*opened->journal, index + 1, forged[index]).is_ok());
    }
  }
  const AuditResult forgery = audit(folder.path("journal"));
  INFO(forgery.out << forgery.errors);
  CHECK(forgery.code == 1);
  CHECK(forgery.errors.find("record 6: replay refused the event (seed_invalid)") !=
        std::string::npos);
}

TEST_CASE(
    "Each day of a same_day_lottery reveals its own secret, and a later day's is its preimage",
    "[lottery-seed][process]") {
  TempFolder folder("seed-days");
  std::vector<std::string> seeds;
  const auto draw = [&](SeedServer& server, Endpoint endpoint, std::string_view body) {
    const Reply reply = server.operate(endpoint, "d", body);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    seeds.emplace_back(json_of(reply).at("seed").as_string());
  };
  {
    SeedServer server(folder, "key", at("2020-12-01T10:00:00Z"));
    for (int index = 0; index < 3; ++index) {
      REQUIRE(server.submit("d", fmt::format("D1-{}", index), fmt::format("p{}", index)).status ==
              201);
    }
    server.set_now("2020-12-02T12:00:00Z");
    draw(server, Endpoint::close_day, R"({"date":"2020-12-01"})");
    REQUIRE(server.submit("d", "D2-0", "q0").status == 201);
    // An operator's own seed is refused on a committed tranche, and journals nothing.
    server.set_now("2020-12-03T12:00:00Z");
    const Reply refused =
        server.operate(Endpoint::close_day, "d", R"({"date":"2020-12-02","seed":"00ff"})");
    CHECK(refused.status == 409);
    CHECK(refused.body.find("seed-committed") != std::string::npos);
    // So is a beacon on a tranche that draws no lottery.
    const Reply arrival = server.operate(Endpoint::close, "a", R"({"beacon":"00ff"})");
    CHECK(arrival.status == 409);
    CHECK(arrival.body.find("no-lottery") != std::string::npos);
    draw(server, Endpoint::close_day, R"({"date":"2020-12-02"})");
    draw(server, Endpoint::close, "{}");
  }
  const JournalCopy journal = read_journal(folder);
  const auto& commit = std::get<CommitSeedCommand>(journal.records[1].command);
  REQUIRE(commit.draws == 5);
  REQUIRE(seeds.size() == 3);
  const std::uint32_t draws[] = {0, 1, 4};  // 1 and 2 December, then the close
  std::vector<Sha256Digest> secrets;
  for (std::size_t index = 0; index < seeds.size(); ++index) {
    const auto bytes = from_hex(seeds[index]);
    REQUIRE(bytes);
    CHECK(lottery_seed_reveals(commit.commitment, draws[index], *bytes));
    Sha256Digest secret{};
    std::copy_n(bytes->begin(), secret.size(), secret.begin());
    secrets.push_back(secret);
  }
  // Day 1's secret follows from day 2's (one hash), never the other way round.
  CHECK(sha256(secrets[1]) == secrets[0]);
  CHECK(sha256(secrets[0]) != secrets[1]);
  CHECK(sha256(sha256(sha256(secrets[2]))) == secrets[1]);
  const AuditResult result = audit(folder.path("journal"));
  INFO(result.out << result.errors);
  CHECK(result.code == 0);
  CHECK(result.out.find("lottery seed of tranche d: committed at seq 2 (5 draws), revealed at "
                        "seq 6 (2020-12-01), seq 8 (2020-12-02), seq 9 (close), verified") !=
        std::string::npos);
}

TEST_CASE("A restarted server derives the same secrets, and another lottery key is refused",
          "[lottery-seed][process]") {
  TempFolder folder("seed-restart");
  std::uint64_t records_before = 0;
  {
    SeedServer server(folder, "key", at("2020-12-01T10:00:00Z"));
    REQUIRE(server.submit("d", "D-1", "p1").status == 201);
    server.set_now("2020-12-02T12:00:00Z");
    REQUIRE(server.operate(Endpoint::close_day, "d", R"({"date":"2020-12-01"})").status == 200);
    records_before = server.pipeline().durable_sequence();
  }
  {
    Result<Recovered> recovered = recover_journal(folder.path("journal"), std::string(seed_scheme));
    REQUIRE(recovered.ok());
    const auto key_problem = [&](std::string_view key) {
      return LotterySeeds(bytes_of(key), recovered->journal->scheme_text())
          .check_key(*recovered->allocator)
          .message();
    };
    CHECK(key_problem("key").empty());
    CHECK(key_problem("another key") ==
          "tranche w: its lottery seed was committed with another lottery key");
  }
  {
    SeedServer server(folder, "key", at("2020-12-03T12:00:00Z"));
    CHECK(server.pipeline().durable_sequence() == records_before);  // nothing committed again
    REQUIRE(server.submit("d", "D-2", "p2").status == 201);
    server.set_now("2020-12-04T12:00:00Z");
    const Reply day = server.operate(Endpoint::close_day, "d", R"({"date":"2020-12-03"})");
    INFO(day.body);
    CHECK(day.status == 200);
    CHECK(server.operate(Endpoint::close, "d", "").status == 200);
  }
  const AuditResult result = audit(folder.path("journal"));
  INFO(result.out << result.errors);
  CHECK(result.code == 0);
  CHECK(result.out.find("revealed at seq 4 (2020-12-01), seq 6 (2020-12-03), seq 7 (close), "
                        "verified") != std::string::npos);
}

TEST_CASE("A journal without commitments still replays, audits and serves",
          "[lottery-seed][process]") {
  TempFolder folder("seed-old");
  const std::string scheme_path = folder.write("scheme.toml", seed_scheme);
  const std::string events = folder.write(
      "events.jsonl",
      R"({"type":"submit","seq":1,"received_at":"2020-12-01T09:00:00Z","tranche":"w","id":"W-1","participant":"p1"}
{"type":"submit","seq":2,"received_at":"2020-12-01T09:00:01Z","tranche":"w","id":"W-2","participant":"p2"}
{"type":"submit","seq":3,"received_at":"2020-12-01T09:00:02Z","tranche":"w","id":"W-3","participant":"p3"}
{"type":"submit","seq":4,"received_at":"2020-12-01T09:00:03Z","tranche":"d","id":"D-1","participant":"p1"}
{"type":"close","seq":5,"received_at":"2020-12-02T09:00:00Z","tranche":"w","seed":"abcd"}
)");
  allocate_into(scheme_path, events, folder.path("journal"));
  const AuditResult old = audit(folder.path("journal"));
  INFO(old.out << old.errors);
  CHECK(old.code == 0);
  CHECK(old.out.find("lottery seed of tranche w: not committed (a seed chosen at the draw): seq 5 "
                     "(close)") != std::string::npos);
  {
    // The server takes over: d already has a submission, so it stays uncommitted and draws
    // with the head hash as before.
    SeedServer server(folder, "key", at("2020-12-03T12:00:00Z"));
    CHECK(server.pipeline().durable_sequence() == 5);
    const Reply closed = server.operate(Endpoint::close, "d", "");
    INFO(closed.body);
    CHECK(closed.status == 200);
  }
  const AuditResult served = audit(folder.path("journal"));
  INFO(served.out << served.errors);
  CHECK(served.code == 0);
  CHECK(served.out.find("lottery seed of tranche d: not committed (a seed chosen at the draw): "
                        "seq 6 (close)") != std::string::npos);
}

TEST_CASE("A journal committed before nonces keeps its secrets, its draws and its audit",
          "[lottery-seed][process]") {
  // Such a journal's commit_seed has no nonce: its root is the v1 derivation of the key,
  // scheme and tranche, and a server with the same key must still reveal from it.
  TempFolder folder("seed-before-nonces");
  const std::string scheme_path = folder.write("scheme.toml", seed_scheme);
  const Sha256Digest root =
      lottery_root_secret(bytes_of("key"), genesis_hash(seed_scheme), std::nullopt, "w");
  const std::string events = folder.write(
      "events.jsonl",
      fmt::format(R"({{"type":"commit_seed","seq":1,"received_at":"2020-12-01T07:00:00Z",)"
                  R"("tranche":"w","commitment":"{}","draws":1}})"
                  "\n"
                  R"({{"type":"submit","seq":2,"received_at":"2020-12-01T09:00:00Z",)"
                  R"("tranche":"w","id":"W-1","participant":"p1"}})"
                  "\n",
                  to_hex(lottery_commitment(root, 1))));
  allocate_into(scheme_path, events, folder.path("journal"));
  {
    Result<Recovered> recovered = recover_journal(folder.path("journal"), std::string(seed_scheme));
    REQUIRE(recovered.ok());
    CHECK(LotterySeeds(bytes_of("key"), recovered->journal->scheme_text())
              .check_key(*recovered->allocator)
              .is_ok());
  }
  {
    SeedServer server(folder, "key", at("2020-12-05T12:00:00Z"));
    const Reply closed = server.operate(Endpoint::close, "w", "");
    INFO(closed.body);
    REQUIRE(closed.status == 200);
    CHECK(json_of(closed).at("seed").as_string() == to_hex(lottery_secret(root, 1, 0)));
  }
  const AuditResult result = audit(folder.path("journal"));
  INFO(result.out << result.errors);
  CHECK(result.code == 0);
}

TEST_CASE("An export of a committed journal allocates to the same journal",
          "[lottery-seed][process]") {
  TempFolder folder("seed-export");
  {
    std::vector<std::string> receipt_hashes;
    SeedServer server(folder, "key", at("2020-12-01T10:00:00Z"));
    fill_window(server, receipt_hashes);
    REQUIRE(server.operate(Endpoint::close, "w", R"({"beacon":"0102"})").status == 200);
  }
  const std::string events_path = folder.path("events.jsonl");
  std::FILE* errors = std::tmpfile();
  REQUIRE(run_export(ExportOptions{folder.path("journal"), "events", "jsonl", events_path},
                     errors) == 0);
  std::fclose(errors);
  CHECK(read_text(events_path).find(R"("type":"commit_seed")") != std::string::npos);
  allocate_into(folder.write("scheme.toml", seed_scheme), events_path, folder.path("again"));
  JournalOpenResult served = Journal::open(folder.path("journal"), {{}, nullptr, true});
  JournalOpenResult again = Journal::open(folder.path("again"), {{}, nullptr, true});
  REQUIRE(served.ok());
  REQUIRE(again.ok());
  const JournalSummary served_summary = verify_records(*served->journal);
  const JournalSummary again_summary = verify_records(*again->journal);
  CHECK(again_summary.records == served_summary.records);
  CHECK(again_summary.head_hash == served_summary.head_hash);
}

TEST_CASE("An operator's beacon is 1 to 32 bytes of hex, and never with a seed", "[lottery-seed]") {
  const auto problem_of = [](Endpoint endpoint, std::string_view body) {
    const auto parsed = read_operator_body(endpoint, "t", body);
    if (const auto* problem = std::get_if<Problem>(&parsed)) return problem->detail;
    const auto* close = std::get_if<CloseRequest>(&std::get<JobRequest>(parsed));
    return close ? "ok " + to_hex(close->beacon) : std::string("ok, not a close");
  };
  const std::string bytes_31(62, 'a');
  const std::string bytes_32(64, 'a');
  const std::string bytes_33(66, 'a');
  const std::string size_problem = "must be 1 to 32 bytes of hex";
  CHECK(problem_of(Endpoint::close, R"({"beacon":")" + bytes_31 + "\"}") == "ok " + bytes_31);
  CHECK(problem_of(Endpoint::close, R"({"beacon":")" + bytes_32 + "\"}") == "ok " + bytes_32);
  CHECK(problem_of(Endpoint::close, R"({"beacon":")" + bytes_33 + "\"}") == size_problem);
  CHECK(problem_of(Endpoint::close, R"({"beacon":"01"})") == "ok 01");
  CHECK(problem_of(Endpoint::close, R"({"beacon":""})") == size_problem);
  CHECK(problem_of(Endpoint::close, R"({"beacon":"0"})") == size_problem);
  CHECK(problem_of(Endpoint::close, R"({"beacon":"zz"})") == size_problem);
  CHECK(problem_of(Endpoint::close, R"({"beacon":12})") == size_problem);
  CHECK(problem_of(Endpoint::close_day, R"({"date":"2020-12-01","beacon":"01"})") == "ok 01");
  CHECK(problem_of(Endpoint::close, R"({"seed":"01","beacon":"01"})") ==
        "give \"seed\" or \"beacon\", not both");
  CHECK(problem_of(Endpoint::appeal, R"({"beacon":"01"})") == "unknown field \"beacon\"");
}

TEST_CASE("loket serve refuses the development lottery key off loopback and a journal's other key",
          "[lottery-seed][process]") {
  TempFolder folder("seed-serve");
  ServeOptions options;
  REQUIRE(
      apply_serve_config("lottery_key_file = \"lottery.key\"\n", "/etc/loket/serve.toml", options)
          .is_ok());
  CHECK(options.lottery_key_path == "/etc/loket/lottery.key");
  options.lottery_key_path.clear();
  options.scheme_path = folder.write("scheme.toml", seed_scheme);
  options.data_path = folder.path("journal");
  options.tokens_path = folder.write("tokens.toml", R"([[token]]
name = "operator"
role = "operator"
sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
)");
  options.participant_key_path = folder.write("participant.key", "participant secret");
  options.listen = "0.0.0.0:0";
  std::FILE* log = std::tmpfile();
  CHECK(run_serve(options, log) == 2);
  CHECK(text_of(log) ==
        "loket serve: refusing to listen on 0.0.0.0:0 with the development lottery key: give "
        "--tokens a file of your own, and --participant-key-file, --lottery-key-file and "
        "--checkpoint-key-file secrets\n");
  // A journal committed under one key is not served with another (its draws would fail).
  { SeedServer server(folder, "the first key", at("2020-12-01T10:00:00Z")); }
  options.listen = "127.0.0.1:0";
  options.lottery_key_path = folder.write("lottery.key", "another key");
  log = std::tmpfile();
  CHECK(run_serve(options, log) == 2);
  CHECK(text_of(log) == fmt::format("loket serve: journal {}: tranche w: its lottery seed was "
                                    "committed with another lottery key; give the "
                                    "--lottery-key-file it was started with\n",
                                    options.data_path));
}
