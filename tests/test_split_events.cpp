// An event may decide any number of applications: a window lottery's close decides every
// pending one at once. Such an event is journaled in parts (storage/event_parts.hpp) and read
// back whole; no record limit is ever reached, a missing or misplaced part is damage, and a
// server whose clock makes that close at start-up starts, and starts again.
#include <fmt/format.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

#include "core/local_log.hpp"
#include "core/recovery.hpp"
#include "core/sequencer.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "storage/event_parts.hpp"
#include "storage/format.hpp"
#include "storage/replay.hpp"
#include "tests/child_process.hpp"
#include "tests/harness.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

namespace format = journal_format;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Under a sanitizer: still more than the old single-record limit held (16 MiB at 79 bytes a
// decision with 64-byte ids is about 212,000).
constexpr std::size_t pending_large = 230'000;
#else
constexpr std::size_t pending_large = 1'000'000;
#endif

// Ids of the documented maximum length: the largest decisions there are.
std::string long_id(std::size_t number) {
  std::string id = fmt::format("W-{}-", number);
  id.resize(limits::application_id_bytes_max, 'x');
  return id;
}

constexpr TimestampNs opened_at_ns = 1'606'813'200'000'000'000;  // 2020-12-01T09:00:00Z

// Fills a new journal with `pending` submissions and the close, through the Sequencer as the
// server does. close_parts: the records the close was journaled in, counted in the journal,
// each no larger than a record may be.
JournalSummary journal_window_close(const std::string& directory, std::size_t pending,
                                    std::size_t& close_parts) {
  const std::string scheme_text = window_lottery_scheme(pending / 2);
  JournalOpenResult opened = Journal::open(directory, JournalOptions{scheme_text});
  REQUIRE(opened.ok());
  JournalSummary summary;
  {
    Sequencer sequencer(
        std::make_unique<Allocator>(scheme_from_toml(scheme_text),
                                    AllocatorOptions{.applications_expected = pending}),
        std::make_unique<LocalLog>(*opened->journal, GroupCommitLimits{}, nullptr, 0),
        new_journal_summary(scheme_text));
    for (std::size_t number = 1; number <= pending; ++number) {
      const std::string id = long_id(number);
      SubmitCommand submit;
      submit.tranche_id = "w";
      submit.application_id = id;
      submit.participant = participant_key(std::vector<std::uint8_t>{'k'}, id);
      REQUIRE(sequencer.apply(submit, opened_at_ns + static_cast<TimestampNs>(number)).refusal ==
              Refusal::none);
    }
    const std::vector<std::uint8_t> seed{1, 2, 3};
    const Applied close =
        sequencer.apply(CloseCommand{"w", seed}, opened_at_ns + 86'400'000'000'000);
    REQUIRE(close.refusal == Refusal::none);
    REQUIRE(close.decisions.size() == pending);
    sequencer.log()->flush();
    REQUIRE(sequencer.log()->wait_durable(close.sequence).is_ok());
    summary.head_hash = sequencer.head_hash();
    summary.last_sequence = close.sequence;
  }
  close_parts = 0;
  for (auto cursor = opened->journal->records(summary.last_sequence); cursor.valid();
       cursor.next()) {
    CHECK(cursor.sequence() == summary.last_sequence);
    CHECK(cursor.bytes().size() <= format::record_bytes_max);
    ++close_parts;
  }
  return summary;
}

// Records for three events: 1 whole, 2 split into three parts, 3 whole.
struct ThreeEvents {
  std::vector<std::string> ids;
  std::vector<std::string> records;  // in journal order
  std::vector<Journal::RecordKey> keys;

  ThreeEvents() {
    const std::size_t decided = 2 * format::decisions_per_part_max + 5;
    ids.reserve(decided);
    std::vector<Decision> decisions(decided);
    for (std::size_t index = 0; index < decided; ++index) {
      ids.push_back(fmt::format("A-{}", index));
      decisions[index].application_id = ids.back();
      decisions[index].outcome = Outcome::granted;
    }
    Sha256Digest head = genesis_hash("scheme");
    SealedEvent sealed;
    const std::vector<std::uint8_t> seed{7};
    for (Sequence sequence = 1; sequence <= 3; ++sequence) {
      const std::span<const Decision> these = sequence == 2
                                                  ? std::span<const Decision>(decisions)
                                                  : std::span<const Decision>(decisions).first(1);
      head = seal_event(sealed, sequence, 100, CloseCommand{"t", seed}, "", these, head);
      for (std::size_t part = 0; part < sealed.count; ++part) {
        records.emplace_back(sealed.record(part));
        keys.push_back({sequence, static_cast<std::uint32_t>(part), true});
      }
    }
  }
};

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Feeds records to a verifier and an assembler as a reader does; the first problem, or
// nothing; `decisions_seen` counts the decisions of the whole events that came out.
std::optional<JournalProblem> read_in_order(const ThreeEvents& events,
                                            const std::vector<std::size_t>& order,
                                            std::size_t& decisions_seen) {
  ChainVerifier verifier("scheme");
  EventAssembler assembler;
  JournalRecord record;
  RecordSeal seal;
  for (const std::size_t index : order) {
    const auto bytes = as_bytes(events.records[index]);
    if (auto problem = verifier.check(events.keys[index], bytes, seal)) return problem;
    verifier.accept(seal);
    REQUIRE(decode_record_fields(bytes, record).is_ok());
    std::string problem;
    const JournalRecord* event = assembler.add(record, bytes, problem);
    REQUIRE(problem.empty());
    if (event != nullptr) decisions_seen += event->decisions.size();
  }
  return verifier.check_end();
}

}  // namespace

TEST_CASE("An event with more decisions than one record holds is sealed in parts and read whole") {
  const ThreeEvents events;
  REQUIRE(events.records.size() == 5);  // 1, 2 (head and two parts), 3
  std::size_t decisions_seen = 0;
  CHECK_FALSE(read_in_order(events, {0, 1, 2, 3, 4}, decisions_seen));
  CHECK(decisions_seen == 1 + 2 * format::decisions_per_part_max + 5 + 1);

  SECTION("a missing part is damage, also at the end") {
    std::size_t ignored = 0;
    const auto missing_middle = read_in_order(events, {0, 1, 3, 4}, ignored);
    REQUIRE(missing_middle);
    CHECK(missing_middle->sequence == 2);
    CHECK(missing_middle->what == "event 2 is incomplete: part 1 of 3 is missing");
    const auto missing_last = read_in_order(events, {0, 1, 2, 4}, ignored);
    REQUIRE(missing_last);
    CHECK(missing_last->what == "event 2 is incomplete: part 2 of 3 is missing");
    const auto ends_early = read_in_order(events, {0, 1, 2}, ignored);
    REQUIRE(ends_early);
    CHECK(ends_early->what == "event 2 is incomplete: part 2 of 3 is missing");
  }
  SECTION("parts out of order, a part without its head, a part under another key") {
    std::size_t ignored = 0;
    CHECK(read_in_order(events, {0, 1, 3, 2, 4}, ignored));
    const auto headless = read_in_order(events, {0, 2}, ignored);
    REQUIRE(headless);
    CHECK(headless->what == "part 1 of event 2 without its head");
    ThreeEvents moved;
    moved.keys[2].part = 2;
    moved.keys[3].part = 1;
    CHECK(read_in_order(moved, {0, 1, 2, 3, 4}, ignored));
  }
  SECTION("an event that fits one record is written exactly as before: no split marker") {
    RecordSeal seal;
    REQUIRE(check_record_seal(as_bytes(events.records[0]), seal).is_ok());
    CHECK(seal.place == RecordPlace{});
    REQUIRE(check_record_seal(as_bytes(events.records[1]), seal).is_ok());
    CHECK(seal.place == RecordPlace{3, 0});
    REQUIRE(check_record_seal(as_bytes(events.records[2]), seal).is_ok());
    CHECK(seal.place == RecordPlace{0, 1});
  }
}

TEST_CASE(
    "A window lottery's close deciding a million pending applications is journaled and "
    "recovered and replayed whole",
    "[process]") {
  TempFolder folder("split-close");
  std::size_t close_parts = 0;
  const JournalSummary written =
      journal_window_close(folder.path("journal"), pending_large, close_parts);
  CHECK(close_parts ==
        (pending_large + format::decisions_per_part_max - 1) / format::decisions_per_part_max);
  const std::string scheme_text = window_lottery_scheme(pending_large / 2);
  const Result<Recovered> recovered =
      recover_journal(folder.path("journal"), scheme_text, RecoveryOptions{{}, pending_large});
  INFO(recovered.status().message());
  REQUIRE(recovered.ok());
  CHECK(recovered->summary.records == pending_large + 1);
  CHECK(recovered->summary.last_sequence == written.last_sequence);
  CHECK(recovered->summary.head_hash == written.head_hash);
  const TrancheStatus status = recovered->allocator->tranche_status(0);
  CHECK(status.closed);
  CHECK(status.applications_by_outcome[static_cast<std::size_t>(Outcome::granted)] ==
        pending_large / 2);

  std::size_t close_decisions = 0;
  const JournalSummary verified = verify_records(*recovered->journal, [&](const JournalRecord& r) {
    if (std::holds_alternative<CloseCommand>(r.command)) close_decisions = r.decisions.size();
    return true;
  });
  CHECK_FALSE(verified.problem);
  CHECK(close_decisions == pending_large);
}

TEST_CASE(
    "A server whose clock closes a window lottery with hundreds of thousands pending "
    "starts and serves and starts again",
    "[process]") {
  // The close is made by the server's own clock at start-up: the window ended long ago. When
  // such a close could not be journaled, the server aborted on every start.
  constexpr std::size_t pending = 230'000;
  TempFolder folder("split-serve");
  const std::string scheme_path = folder.write("window.toml", window_lottery_scheme(pending / 2));
  {
    std::ofstream events(folder.path("events.jsonl"));
    for (std::size_t number = 1; number <= pending; ++number) {
      events << fmt::format(R"({{"type":"submit","seq":{},"received_at":"2020-12-01T09:00:00Z",)"
                            R"("tranche":"w","id":"{}","participant":"p-{}"}})",
                            number, long_id(number), number)
             << '\n';
    }
  }
  allocate_into(scheme_path, folder.path("events.jsonl"), folder.path("journal"));
  const std::vector<std::string> serve = {"serve",
                                          "--scheme",
                                          scheme_path,
                                          "--data",
                                          folder.path("journal"),
                                          "--listen",
                                          "127.0.0.1:0",
                                          "--tokens",
                                          source_path("app/development-tokens.toml")};
  // Generous: only a hang ends these waits; a slow machine just takes longer.
  constexpr std::chrono::milliseconds hang_timeout{300'000};
  for (int start = 1; start <= 2; ++start) {
    INFO("start " << start);
    ChildProcess server(build_path("loket"), serve);
    const std::optional<unsigned short> port = server.wait_listening(hang_timeout);
    INFO(server.log());
    REQUIRE(port);
    bool closed = false;
    for (auto deadline = std::chrono::steady_clock::now() + hang_timeout;
         !closed && std::chrono::steady_clock::now() < deadline;) {
      Client client(*port);
      const Answer answer =
          client.send(boost::beast::http::verb::get, "/v1/tranches/w", "dev-auditor-token");
      REQUIRE(answer.status == 200);
      closed = answer.json().at("closed").as_bool();
      if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(closed);
    CHECK(readyz_becomes(*port, 200, hang_timeout));
    server.signal(SIGTERM);
    const int status = server.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  ChildProcess audit(build_path("loket"), {"audit", "--data", folder.path("journal")});
  const int audited = audit.wait();
  INFO(audit.log());
  CHECK(WIFEXITED(audited));
  CHECK(WEXITSTATUS(audited) == 0);
  // The submissions, the close, and the checkpoint the server signs after a close.
  CHECK(audit.log().find(fmt::format("{} records", pending + 2)) != std::string::npos);
  // Every decision exports: one per submission when it arrived, one per application at the
  // close, and the header.
  ChildProcess exported(build_path("loket"),
                        {"export", "--data", folder.path("journal"), "--what", "decisions",
                         "--format", "csv", "--out", folder.path("decisions.csv")});
  REQUIRE(exported.wait() == 0);
  std::ifstream csv(folder.path("decisions.csv"));
  std::size_t lines = 0;
  for (std::string line; std::getline(csv, line);) ++lines;
  CHECK(lines == 2 * pending + 1);
}
