// The journal: records decode to what was encoded and any damaged byte is caught; synced
// records survive a crash and unsynced ones do not; audit names the record that was changed.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "app/audit_command.hpp"
#include "core/local_log.hpp"
#include "core/recovery.hpp"
#include "core/sequencer.hpp"
#include "storage/crc32c.hpp"
#include "storage/replay.hpp"
#include "testing/fault_injection.hpp"
#include "testing/journal_tamper.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/journal_writer.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

const std::string sector_scheme = source_path("schemes/sectoraal-maatwerk-2021.toml");
const std::string sector_events = source_path("docs/examples/sectoraal-maatwerk-2021.jsonl");

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// A new journal of tiny_scheme on the fault-injecting file system, and a Sequencer writing
// to it through the local log.
struct FaultyJournal {
  explicit FaultyJournal(const std::string& path) {
    JournalOpenResult opened =
        Journal::open(path, JournalOptions{std::string(tiny_scheme), fault.env.get(), false});
    REQUIRE(opened.ok());
    journal = std::move(opened->journal);
    sequencer.emplace(std::make_unique<Allocator>(scheme_from_toml(tiny_scheme)),
                      std::make_unique<LocalLog>(*journal, GroupCommitLimits{}, nullptr, 0),
                      new_journal_summary(tiny_scheme));
  }
  // Sequences `count` submissions, hands them to the log and waits for their sync.
  Status commit(std::uint64_t count) {
    testing::submit_registrations(*sequencer, count);
    log().flush();
    return log().wait_durable(sequencer->last_sequence());
  }
  DurableLog& log() { return *sequencer->log(); }

  FaultInjectionEnv fault = make_fault_injection_env();
  std::unique_ptr<Journal> journal;
  std::optional<Sequencer> sequencer;  // before the journal is closed, its log stops
};

}  // namespace

TEST_CASE("A record decodes to what was encoded, for every event type") {
  EventParser parser({'k'});
  const std::vector<std::string> lines = {
      R"({"type":"submit","seq":1,"received_at":"2020-12-01T09:00:00Z","tranche":"t","id":"A-1","participant":"p","activities":{"A":3},"declared_value_cents":900,"partnership":{"employer_org":true},"monitoring":{"age":"45-54"}})",
      R"({"type":"submit","seq":2,"received_at":"2020-12-01T09:00:01Z","tranche":"t","id":7,"participant":"","amount_cents":"x"})",
      R"({"type":"close_day","seq":3,"received_at":"2020-12-02T09:00:00Z","tranche":"t","date":"2020-12-01","seed":"abcd"})",
      R"({"type":"appeal","seq":4,"received_at":"2020-12-03T09:00:00Z","tranche":"t","id":"A-1","amount_cents":5,"reference":"R 1"})",
      R"({"type":"close","seq":5,"received_at":"2020-12-04T09:00:00Z","tranche":"t","seed":"01"})",
  };
  Allocator allocator(scheme_from_toml(R"(
[scheme]
id = "codec"
name = "Codec"
unique_participant = "scheme"
[scheme.unit_subsidy_cents]
A = 100
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
budget_cents = 200
ranking = "same_day_lottery"
fit = "partial"
spillover = "none"
)"));
  Sha256Digest head = genesis_hash("scheme text");
  std::vector<Decision> decisions;
  for (const std::string& line : lines) {
    const Result<ParsedEvent> parsed = parser.parse(line);
    REQUIRE(parsed.ok());
    REQUIRE(allocator.apply(parsed->command, parsed->sequence, parsed->received_at, decisions) ==
            Refusal::none);
    std::string bytes;
    // Submissions alternate with and without an idempotency tag.
    std::optional<IdempotencyTag> tag;
    if (parsed->sequence % 2 == 1) {
      tag = IdempotencyTag{sha256(as_bytes(line)), sha256(as_bytes(line.substr(1)))};
    }
    const Sha256Digest hash =
        encode_record(bytes, parsed->sequence, parsed->received_at, parsed->command,
                      parsed->monitoring_json, decisions, head, tag);
    JournalRecord record;
    REQUIRE(decode_record(as_bytes(bytes), record).is_ok());
    CHECK(record.sequence == parsed->sequence);
    CHECK(record.received_at == parsed->received_at);
    CHECK(record.previous_hash == head);
    CHECK(record.record_hash == hash);
    CHECK(record.monitoring_json == parsed->monitoring_json);
    CHECK(record.idempotency == tag);
    REQUIRE(record.decisions.size() == decisions.size());
    for (std::size_t index = 0; index < decisions.size(); ++index) {
      CHECK(same_decision(record.decisions[index], decisions[index]));
    }
    // The event survives too: written back as JSON it is the line the parser read.
    std::string original;
    append_event_json(original, parsed->sequence, parsed->received_at, parsed->command,
                      parsed->monitoring_json);
    std::string decoded;
    append_event_json(decoded, record.sequence, record.received_at, record.command,
                      record.monitoring_json);
    CHECK(decoded == original);
    // Any single damaged byte is caught.
    for (std::size_t position = 0; position < bytes.size(); ++position) {
      std::string damaged = bytes;
      damaged[position] = static_cast<char>(damaged[position] ^ 0x01);
      JournalRecord ignored;
      REQUIRE_FALSE(decode_record(as_bytes(damaged), ignored).is_ok());
    }
    // So is every truncation.
    for (std::size_t length = 0; length < bytes.size(); ++length) {
      JournalRecord ignored;
      REQUIRE_FALSE(
          decode_record(as_bytes(std::string_view(bytes).substr(0, length)), ignored).is_ok());
    }
    head = hash;
  }
}

TEST_CASE("A synced record survives a crash, one whose sync failed does not") {
  TempFolder folder("crash");
  {
    FaultyJournal faulty(folder.path("journal"));
    REQUIRE(faulty.commit(10).is_ok());
    faulty.fault.faults->fail_sync = true;
    const Status failed = faulty.commit(5);
    CHECK_FALSE(failed.is_ok());
    CHECK(failed.message().find("injected: sync failed") != std::string::npos);
    CHECK(faulty.log().durable_sequence() == 10);
    CHECK(faulty.fault.faults->faults_injected >= 1);
    faulty.fault.faults->crashed = true;  // power cut: what was not synced is lost
  }
  // Recovery verifies the journal and rebuilds the allocator's state by replay: the next
  // sequence continues from 10.
  {
    const Result<Recovered> recovered =
        recover_journal(folder.path("journal"), std::string(tiny_scheme));
    REQUIRE(recovered.ok());
    CHECK(recovered->summary.records == 10);
    CHECK(recovered->allocator->last_sequence() == 10);
    CHECK(recovered->allocator->tranche_status(0).pools.at(0).granted_units == 10);
  }  // closed again: one process opens a journal once
  // A journal is never continued under another scheme.
  const Result<Recovered> other =
      recover_journal(folder.path("journal"), std::string(tiny_scheme) + "\n# changed\n");
  CHECK_FALSE(other.ok());
  CHECK(other.status().message().find("different scheme") != std::string::npos);
}

TEST_CASE("A full disk or a failed write stops acknowledgement and loses nothing acknowledged") {
  for (const bool disk_full : {true, false}) {
    TempFolder folder("full");
    {
      FaultyJournal faulty(folder.path("journal"));
      REQUIRE(faulty.commit(3).is_ok());
      (disk_full ? faulty.fault.faults->disk_full : faulty.fault.faults->fail_write) = true;
      CHECK_FALSE(faulty.commit(3).is_ok());
      CHECK(faulty.log().durable_sequence() == 3);
    }
    JournalOpenResult reopened =
        Journal::open(folder.path("journal"), JournalOptions{{}, nullptr, true});
    REQUIRE(reopened.ok());
    const JournalSummary summary = verify_records(*reopened->journal);
    CHECK_FALSE(summary.problem);
    CHECK(summary.records >= 3);
  }
}

TEST_CASE("Changing any single byte of any record makes the audit fail at that record") {
  TempFolder folder("tamper");
  allocate_into(sector_scheme, sector_events, folder.path("journal"));
  // Thousands of synced writes: syncs that skip the disk keep it quick.
  const UnsyncedEnv unsynced = make_unsynced_env();
  JournalOpenResult opened =
      Journal::open(folder.path("journal"), JournalOptions{{}, unsynced.env.get(), false});
  REQUIRE(opened.ok());
  Journal& journal = *opened->journal;
  std::vector<std::string> originals;
  for (auto cursor = journal.records(1); cursor.valid(); cursor.next()) {
    originals.emplace_back(reinterpret_cast<const char*>(cursor.bytes().data()),
                           cursor.bytes().size());
  }
  REQUIRE(originals.size() == 37);
  const Scheme scheme = scheme_from_toml(journal.scheme_text());
  // Thousands of allocators: tables sized for the journal, not for a tranche, keep it quick.
  const AllocatorOptions small_tables{64};
  std::size_t tampered = 0;
  for (std::size_t index = 0; index < originals.size(); ++index) {
    const std::uint64_t sequence = index + 1;
    for (std::size_t position = 0; position < originals[index].size(); ++position) {
      std::string damaged = originals[index];
      damaged[position] = static_cast<char>(damaged[position] ^ 0x20);
      REQUIRE(overwrite_record(journal, sequence, damaged).is_ok());
      Allocator allocator(scheme, small_tables);
      const JournalSummary summary = replay_journal(journal, allocator);
      REQUIRE(summary.problem);
      REQUIRE(summary.problem->sequence == sequence);
      ++tampered;
    }
    REQUIRE(overwrite_record(journal, sequence, originals[index]).is_ok());
  }
  CHECK(tampered > 5000);
  Allocator allocator(scheme);
  CHECK_FALSE(replay_journal(journal, allocator).problem);
}

TEST_CASE("A forged record with a consistent checksum and hash is caught by replay") {
  TempFolder folder("forge");
  allocate_into(sector_scheme, sector_events, folder.path("journal"));
  JournalOpenResult opened =
      Journal::open(folder.path("journal"), JournalOptions{{}, nullptr, false});
  REQUIRE(opened.ok());
  Journal& journal = *opened->journal;
  // Give record 5's applicant EUR 1 more and re-seal the record and every later one.
  std::vector<std::string> forged;
  Sha256Digest head = genesis_hash(journal.scheme_text());
  for (auto cursor = journal.records(1); cursor.valid(); cursor.next()) {
    JournalRecord record;
    REQUIRE(decode_record(cursor.bytes(), record).is_ok());
    if (record.sequence == 5) record.decisions.at(0).granted_cents += 100;
    std::string bytes;
    head = encode_record(bytes, record.sequence, record.received_at, record.command,
                         record.monitoring_json, record.decisions, head);
    forged.push_back(std::move(bytes));
  }
  for (std::size_t index = 0; index < forged.size(); ++index) {
    REQUIRE(overwrite_record(journal, index + 1, forged[index]).is_ok());
  }
  CHECK_FALSE(verify_records(journal).problem);  // checksums and chain are consistent...
  Allocator allocator(scheme_from_toml(journal.scheme_text()));
  const JournalSummary summary = replay_journal(journal, allocator);
  REQUIRE(summary.problem);  // ...but the decision is not what the rules give
  CHECK(summary.problem->sequence == 5);
  CHECK(summary.problem->what == "decisions differ");
  CHECK(summary.problem->journal_says.find("\"granted_cents\"") != std::string::npos);
  CHECK(summary.problem->journal_says != summary.problem->replay_says);
}

TEST_CASE("loket audit passes a good journal and names the record of a bad one") {
  TempFolder folder("audit");
  allocate_into(sector_scheme, sector_events, folder.path("journal"));
  std::FILE* out = std::tmpfile();
  std::FILE* errors = std::tmpfile();
  CHECK(run_audit(AuditOptions{folder.path("journal"), "", {}, ""}, out, errors) == 0);
  {
    JournalOpenResult opened =
        Journal::open(folder.path("journal"), JournalOptions{{}, nullptr, false});
    REQUIRE(opened.ok());
    REQUIRE(overwrite_record(*opened->journal, 12, "garbage").is_ok());
  }
  CHECK(run_audit(AuditOptions{folder.path("journal"), "", {}, ""}, out, errors) == 1);
  std::rewind(errors);
  char buffer[4096] = {};
  const std::size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, errors);
  const std::string text(buffer, read);
  CHECK(text.find("record 12: too short") != std::string::npos);
  CHECK(text.find("records 1-11 verified before it") != std::string::npos);
  CHECK(run_audit(AuditOptions{folder.path("nothing-here"), "", {}, ""}, out, errors) == 2);
  std::fclose(out);
  std::fclose(errors);
}

TEST_CASE("A torn tail record is reported, never used") {
  TempFolder folder("torn");
  allocate_into(sector_scheme, sector_events, folder.path("journal"));
  JournalOpenResult opened =
      Journal::open(folder.path("journal"), JournalOptions{{}, nullptr, false});
  REQUIRE(opened.ok());
  Journal& journal = *opened->journal;
  REQUIRE(journal.last_sequence() == 37);
  std::string last;
  {
    auto cursor = journal.records(37);  // a cursor must not outlive its journal
    REQUIRE(cursor.valid());
    last.assign(reinterpret_cast<const char*>(cursor.bytes().data()), cursor.bytes().size());
  }
  REQUIRE(overwrite_record(journal, 37, last.substr(0, last.size() / 2)).is_ok());
  Allocator allocator(scheme_from_toml(journal.scheme_text()));
  const JournalSummary summary = replay_journal(journal, allocator);
  REQUIRE(summary.problem);
  CHECK(summary.problem->sequence == 37);
  CHECK(summary.last_sequence == 36);  // replay stops before the torn record
  CHECK(allocator.last_sequence() == 36);
  opened->journal.reset();
  const Result<Recovered> recovered =
      recover_journal(folder.path("journal"), read_text(sector_scheme));
  CHECK_FALSE(recovered.ok());  // reported, and not run on: there is no allocator to run
  CHECK(recovered.status().message().find("record 37: ") != std::string::npos);
}

TEST_CASE("CRC-32C: the published check value, and hardware and table agree") {
  const std::string check = "123456789";
  const auto bytes = as_bytes(check);
  CHECK(crc32c(bytes) == 0xE3069283);  // RFC 3720 / the CRC catalogue's check value
  CHECK(crc32c_portable(bytes) == 0xE3069283);
  std::string text;
  for (int length = 0; length < 300; ++length) {
    REQUIRE(crc32c(as_bytes(text)) == crc32c_portable(as_bytes(text)));
    text += static_cast<char>(length * 37 + 11);
  }
}
