// The journal format's golden test vector: real record bytes of a short run, checked into
// tests/data/, that today's decoder must read to exactly the expected text, forever.
//
// tests/data/golden-journal-v1.bin was written once by the hidden test case
// "[.golden-journal-generate]" below and must NEVER be regenerated or edited: a decoder that
// reads it differently has broken every journal written in format version 1. A new format gets
// a new vector beside it (golden-journal-v2.*); the old ones stay.
//
// golden-journal-v1.bin: frames of length:u32 (little-endian) and that many bytes; the first
//   frame is the journal header (the scheme's text), then every record in journal order.
// golden-journal-v1.jsonl: each whole event as append_event_json writes it, then its decisions
//   as append_decision_json writes them.
// golden-journal-v1.records.txt: per record its sequence, place (part/parts), record hash and
//   idempotency key hash ("-" when none).
//
// The run covers every event type: submit (valid, with every optional field, and malformed),
// close_day and close with seeds, appeal, commit_seed without and with a nonce (event types 5
// and 6), and a close journaled as a split event (a head and one part, as a writer splits an
// event with more than decisions_per_part_max decisions), with a transfer among its decisions.
//
// golden-journal-v1-carry-over.* (the same three files) was added with decision kind 3, the
// carry-over (R11), which joined format version 1 without changing what came before: places
// and money carried over, and the application a carry-over served. Never regenerated either.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/allocator.hpp"
#include "parse/event_json.hpp"
#include "parse/scheme_toml.hpp"
#include "storage/event_parts.hpp"
#include "storage/record.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::vector<std::string> read_frames(const std::string& path) {
  const std::string file = read_text(path);
  std::vector<std::string> frames;
  std::size_t at = 0;
  while (at < file.size()) {
    REQUIRE(file.size() - at >= 4);
    std::uint32_t length = 0;
    for (std::size_t byte = 0; byte < 4; ++byte) {
      length |= std::uint32_t{static_cast<std::uint8_t>(file[at + byte])} << (8 * byte);
    }
    at += 4;
    REQUIRE(file.size() - at >= length);
    frames.push_back(file.substr(at, length));
    at += length;
  }
  return frames;
}

std::string record_line(const JournalRecord& record) {
  return fmt::format("{} {}/{} {} {}\n", record.sequence, record.place.part, record.place.parts,
                     to_hex(record.record_hash),
                     record.idempotency ? to_hex(record.idempotency->key_hash) : "-");
}

// The whole events and their decisions, and the record lines, of a golden vector's records;
// checks every record's seal and its link to the one before.
struct Decoded {
  std::string events;
  std::string records;
};

Decoded decode_vector(const std::vector<std::string>& frames) {
  std::string_view scheme_text;
  REQUIRE(decode_header(bytes_of(frames.at(0)), scheme_text).is_ok());
  const Result<Scheme> scheme = parse_scheme(scheme_text, "golden");
  REQUIRE(scheme.ok());
  Decoded out;
  Sha256Digest head = genesis_hash(scheme_text);
  EventAssembler assembler;
  for (std::size_t index = 1; index < frames.size(); ++index) {
    JournalRecord record;
    INFO("record " << index);
    REQUIRE(decode_record(bytes_of(frames[index]), record).is_ok());
    CHECK(record.previous_hash == head);
    head = record.record_hash;
    out.records += record_line(record);
    std::string problem;
    const JournalRecord* event = assembler.add(record, bytes_of(frames[index]), problem);
    REQUIRE(problem == "");
    if (event == nullptr) continue;
    append_event_json(out.events, event->sequence, event->received_at, event->command,
                      event->monitoring_json);
    for (const Decision& decision : event->decisions) {
      append_decision_json(out.events, *scheme, event->sequence, decision);
    }
  }
  CHECK_FALSE(assembler.joining());
  return out;
}

// The run of the golden vector: the scheme, then the events in journal order.
constexpr std::string_view golden_scheme = R"(
[scheme]
id = "golden"
name = "Golden"
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
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 100000
ranking = "arrival"
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "small"
share_percent = 30
min_cents = 100
max_cents = 10000
[[tranche.compartment]]
id = "large"
share_percent = 70
min_cents = 10000
max_cents = 100000
[[tranche]]
id = "c5"
opens_at = "2021-01-01T08:00:00Z"
closes_at = "2021-02-01T08:00:00Z"
places = 1
ranking = "window_lottery"
[[tranche]]
id = "c6"
opens_at = "2021-01-01T08:00:00Z"
closes_at = "2021-02-01T08:00:00Z"
places = 1
ranking = "window_lottery"
)";

const std::vector<std::string_view> golden_events = {
    R"({"type":"commit_seed","seq":1,"received_at":"2020-12-01T08:00:00Z","tranche":"c5","commitment":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","draws":1})",
    R"({"type":"commit_seed","seq":2,"received_at":"2020-12-01T08:00:01Z","tranche":"c6","commitment":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","draws":1,"nonce":"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"})",
    R"({"type":"submit","seq":3,"received_at":"2020-12-01T09:00:00Z","tranche":"t","id":"A-1","participant":"p1","activities":{"A":3},"declared_value_cents":900,"partnership":{"employer_org":true},"monitoring":{"age":"45-54"}})",
    R"({"type":"submit","seq":4,"received_at":"2020-12-01T09:00:01Z","tranche":"t","id":7,"participant":"","amount_cents":"x"})",
    R"({"type":"close_day","seq":5,"received_at":"2020-12-02T09:00:00Z","tranche":"t","date":"2020-12-01","seed":"abcd"})",
    R"({"type":"appeal","seq":6,"received_at":"2020-12-03T09:00:00Z","tranche":"t","id":"A-1","amount_cents":5,"reference":"R 1"})",
    R"({"type":"submit","seq":7,"received_at":"2021-03-02T08:00:00Z","tranche":"m","id":"S-1","participant":"p2","amount_cents":5000})",
    R"({"type":"submit","seq":8,"received_at":"2021-03-02T08:00:01Z","tranche":"m","id":"L-1","participant":"p3","amount_cents":60000})",
    R"({"type":"submit","seq":9,"received_at":"2021-03-02T08:00:02Z","tranche":"m","id":"L-2","participant":"p4","amount_cents":30000})",
    R"({"type":"submit","seq":10,"received_at":"2021-03-02T08:00:03Z","tranche":"m","id":"L-3","participant":"p5","amount_cents":40000})",
    R"({"type":"submit","seq":11,"received_at":"2021-03-02T08:00:04Z","tranche":"m","id":"L-4","participant":"p6","amount_cents":15000})",
    R"({"type":"close","seq":12,"received_at":"2021-04-01T08:00:00Z","tranche":"m"})",
    R"({"type":"close","seq":13,"received_at":"2021-12-01T09:00:00Z","tranche":"t","seed":"01"})",
};
constexpr Sequence golden_split_sequence = 12;  // the close of m, as a head and one part

void append_frame(std::string& out, std::string_view bytes) {
  const auto length = static_cast<std::uint32_t>(bytes.size());
  for (std::size_t byte = 0; byte < 4; ++byte)
    out.push_back(static_cast<char>(length >> (8 * byte)));
  out.append(bytes);
}

// The carry-over vector's run: a places window and a money window each carry into the next;
// the money receiver has an application waiting, which the carry-over serves.
constexpr std::string_view carry_over_scheme = R"(
[scheme]
id = "golden-carry-over"
name = "Golden carry-over"
unique_participant = "tranche"
[[tranche]]
id = "w1"
opens_at = "2023-01-01T08:00:00Z"
closes_at = "2023-02-01T08:00:00Z"
places = 3
ranking = "arrival"
carry_over_to = "w2"
[[tranche]]
id = "w2"
opens_at = "2023-02-01T08:00:00Z"
closes_at = "2023-03-01T08:00:00Z"
places = 1
ranking = "arrival"
[[tranche]]
id = "m1"
opens_at = "2023-01-01T08:00:00Z"
closes_at = "2023-02-01T08:00:00Z"
budget_cents = 10000
ranking = "arrival"
fit = "partial"
spillover = "none"
carry_over_to = "m2"
[[tranche]]
id = "m2"
opens_at = "2023-02-01T08:00:00Z"
closes_at = "2023-03-01T08:00:00Z"
budget_cents = 1000
ranking = "arrival"
fit = "skip"
spillover = "none"
)";

const std::vector<std::string_view> carry_over_events = {
    R"({"type":"submit","seq":1,"received_at":"2023-01-02T08:00:00Z","tranche":"w1","id":"A-1","participant":"p1"})",
    R"({"type":"submit","seq":2,"received_at":"2023-01-03T08:00:00Z","tranche":"m1","id":"M-1","participant":"p1","amount_cents":3000})",
    R"({"type":"close","seq":3,"received_at":"2023-02-01T08:00:00Z","tranche":"w1"})",
    R"({"type":"submit","seq":4,"received_at":"2023-02-01T09:00:00Z","tranche":"m2","id":"B-1","participant":"p2","amount_cents":5000})",
    R"({"type":"close","seq":5,"received_at":"2023-02-01T10:00:00Z","tranche":"m1"})",
};

// Writes a golden vector of the run into the build folder (never into tests/data: a vector is
// copied there by hand once and never remade). `split_sequence`'s event is journaled in two
// parts.
void write_golden_vector(const std::string& name, std::string_view scheme_text,
                         std::span<const std::string_view> events, Sequence split_sequence) {
  const Result<Scheme> scheme = parse_scheme(scheme_text, "golden");
  REQUIRE(scheme.ok());
  Allocator allocator(*scheme);
  EventParser parser({'k'});
  std::string frames;
  append_frame(frames, encode_header(scheme_text));
  std::string expected_events;
  std::string expected_records;
  Sha256Digest head = genesis_hash(scheme_text);
  std::vector<Decision> decisions;
  for (const std::string_view line : events) {
    const Result<ParsedEvent> parsed = parser.parse(line);
    REQUIRE(parsed.ok());
    const ParsedEvent& event = *parsed;
    REQUIRE(allocator.apply(event.command, event.sequence, event.received_at, decisions) ==
            Refusal::none);
    std::optional<IdempotencyTag> tag;  // on every third event
    if (event.sequence % 3 == 0) {
      tag = IdempotencyTag{sha256(bytes_of(fmt::format("key {}", event.sequence))),
                           sha256(bytes_of(fmt::format("request {}", event.sequence)))};
    }
    const std::uint32_t parts = event.sequence == split_sequence ? 2 : 1;
    if (parts > 1) REQUIRE(decisions.size() >= parts);
    for (std::uint32_t part = 0; part < parts; ++part) {
      const std::size_t first = part * (decisions.size() / 2);
      const std::size_t count = parts == 1  ? decisions.size()
                                : part == 0 ? decisions.size() / 2
                                            : decisions.size() - first;
      std::string record;
      head = encode_record(record, event.sequence, event.received_at, event.command,
                           event.monitoring_json, std::span(decisions).subspan(first, count), head,
                           tag, RecordPlace{parts, part});
      append_frame(frames, record);
      expected_records +=
          fmt::format("{} {}/{} {} {}\n", event.sequence, part, part == 0 ? parts : 0, to_hex(head),
                      part == 0 && tag ? to_hex(tag->key_hash) : "-");
    }
    append_event_json(expected_events, event.sequence, event.received_at, event.command,
                      event.monitoring_json);
    for (const Decision& decision : decisions) {
      append_decision_json(expected_events, *scheme, event.sequence, decision);
    }
  }
  const std::string folder = build_path("golden-journal");
  std::filesystem::create_directories(folder);
  std::ofstream(folder + "/" + name + ".bin", std::ios::binary) << frames;
  std::ofstream(folder + "/" + name + ".jsonl", std::ios::binary) << expected_events;
  std::ofstream(folder + "/" + name + ".records.txt", std::ios::binary) << expected_records;
}

}  // namespace

// Wrote tests/data/golden-journal-v1.* once (then copied there by hand); hidden, never run by
// default. Kept to show how the vector was made, not to remake it: it writes into the build
// folder only. Run: build/dev/tests/loket_tests "[.golden-journal-generate]"
TEST_CASE("Generate the golden journal vector of format version 1", "[.golden-journal-generate]") {
  write_golden_vector("golden-journal-v1", golden_scheme, golden_events, golden_split_sequence);
}

// The same for tests/data/golden-journal-v1-carry-over.*, written when decision kind 3 (R11)
// joined format version 1.
TEST_CASE("Generate the golden journal vector of the carry-over decision",
          "[.golden-journal-generate]") {
  write_golden_vector("golden-journal-v1-carry-over", carry_over_scheme, carry_over_events, 0);
}

TEST_CASE("The golden journal of format version 1 decodes to exactly its expected text") {
  const std::string data = source_path("tests/data/golden-journal-v1");
  const std::vector<std::string> frames = read_frames(data + ".bin");
  REQUIRE(frames.size() == 15);  // the header and 14 records: 13 events, one in two parts
  const Decoded decoded = decode_vector(frames);
  CHECK(decoded.events == read_text(data + ".jsonl"));
  CHECK(decoded.records == read_text(data + ".records.txt"));
}

TEST_CASE("The golden journal of the carry-over decision decodes to exactly its expected text") {
  const std::string data = source_path("tests/data/golden-journal-v1-carry-over");
  const std::vector<std::string> frames = read_frames(data + ".bin");
  REQUIRE(frames.size() == 6);  // the header and 5 records
  const Decoded decoded = decode_vector(frames);
  CHECK(decoded.events == read_text(data + ".jsonl"));
  CHECK(decoded.records == read_text(data + ".records.txt"));
  CHECK(decoded.events.find(R"({"type":"carry_over","seq":5,"from_tranche":"m1",)") !=
        std::string::npos);
}

TEST_CASE("A decision's kind decodes from application to carry_over, one more is refused") {
  Decision decision;
  decision.kind = Decision::Kind::carry_over;
  decision.tranche_index = 0;
  decision.to_tranche = 1;
  decision.amount_cents = 7;
  std::string bytes;
  encode_record(bytes, 1, 0, CloseCommand{"t", {}}, "", std::span(&decision, 1), {});
  // kind:u8 tranche:u8 to_tranche:u8 amount:i64, then the two hashes and the checksum.
  const std::size_t kind_at = bytes.size() - (32 + 32 + 4) - 8 - 1 - 1 - 1;
  JournalRecord record;
  REQUIRE(decode_record_fields(bytes_of(bytes), record).is_ok());
  REQUIRE(record.decisions.size() == 1);
  CHECK(record.decisions[0].kind == Decision::Kind::carry_over);
  CHECK(record.decisions[0].to_tranche == 1);
  CHECK(record.decisions[0].amount_cents == 7);
  std::string changed = bytes;
  changed[kind_at] = 4;
  CHECK(decode_record_fields(bytes_of(changed), record).message() == "unknown decision kind 4");
}

TEST_CASE("A decision's outcome, reason and field decode from first to last, one more is refused") {
  Decision decision;
  decision.application_id = "A";
  decision.outcome = Outcome::granted;
  decision.granted_cents = 5;
  std::string bytes;
  encode_record(bytes, 1, 0, CloseCommand{"t", {}}, "", std::span(&decision, 1), {});
  // The last decision's fixed fields end the record before its two hashes and checksum.
  const std::size_t trailer = 32 + 32 + 4;
  const std::size_t outcome_at = bytes.size() - trailer - 8 - 4;
  const auto decoded_with = [&](std::size_t offset, std::size_t value) {
    std::string changed = bytes;
    changed[offset] = static_cast<char>(value);
    JournalRecord record;
    return decode_record_fields(bytes_of(changed), record).message();
  };
  const struct {
    std::size_t offset, first, last;
    const char* name;
  } fields[] = {
      {outcome_at, static_cast<std::size_t>(outcome_first), outcome_count - 1, "outcome"},
      {outcome_at + 1, 0, reason_count - 1, "reason"},
      {outcome_at + 2, 0, field_count - 1, "field"},
  };
  for (const auto& field : fields) {
    INFO(field.name);
    CHECK(decoded_with(field.offset, field.first) == "");
    CHECK(decoded_with(field.offset, field.last) == "");
    CHECK(decoded_with(field.offset, field.last + 1) ==
          fmt::format("{} {} out of range", field.name, field.last + 1));
    CHECK(decoded_with(field.offset, 255) == fmt::format("{} 255 out of range", field.name));
    if (field.first > 0) {
      CHECK(decoded_with(field.offset, field.first - 1) ==
            fmt::format("{} {} out of range", field.name, field.first - 1));
    }
  }
}
