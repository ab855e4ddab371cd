// Every limit at its edge: each field of each input (submission and operator bodies, event
// lines, scheme files, token files, serve configs) at limit - 1, limit and limit + 1 and at
// its type's extremes, with the specific acceptance or error. Cases that abort today run in
// a child process, so that they fail their own test and not the runner.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <functional>

#include "app/allocate_command.hpp"
#include "app/export_command.hpp"
#include "engine/limits.hpp"
#include "storage/export_rows.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

constexpr std::string_view four_bytes = "\xF0\x9F\x98\x80";  // U+1F600 in UTF-8
constexpr std::string_view bad_utf8 = "\xC3\x28";            // a lead byte without its follower
constexpr std::int64_t cents_max = limits::amount_cents_max;
const std::string int64_min = std::to_string(INT64_MIN);
const std::string int64_max = std::to_string(INT64_MAX);
constexpr std::string_view beyond_int64 = "9223372036854775808";
constexpr std::string_view at = "2021-03-02T08:00:00Z";

std::string repeated(std::string_view unit, std::size_t count) {
  std::string text;
  for (std::size_t index = 0; index < count; ++index) text += unit;
  return text;
}

// Objects nested `depth` deep, inside an object that is depth 1.
std::string nested(std::size_t depth) {
  return repeated(R"({"a":)", depth) + "1" + std::string(depth, '}');
}

std::string json_string(std::string_view text) {
  return fmt::format("\"{}\"", text);
}

// A scheme with one money tranche "m" whose single band takes every amount up to the limit,
// one places tranche "p", and `scheme_keys` added to [scheme].
std::string edge_scheme(std::string_view scheme_keys = "") {
  return fmt::format(R"(
[scheme]
id = "edges"
name = "Edges"
unique_participant = "scheme"
{}
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = {}
ranking = "arrival"
fit = "partial"
spillover = "none"
[[tranche]]
id = "p"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
places = 10
ranking = "window_lottery"
)",
                     scheme_keys, cents_max);
}

// The decision for one submission to tranche "m" with these fields, on a new allocator.
std::string decide(std::string_view fields, std::string_view scheme_keys = "") {
  Harness harness(edge_scheme(scheme_keys), AllocatorOptions{16});
  const auto lines = harness.apply(
      fmt::format(R"({{"type":"submit","received_at":"{}","tranche":"m"{}}})", at, fields));
  REQUIRE(lines.size() == 1);
  return lines.front();
}

const std::string invalid_amount = decided(1, "A", "rejected", "invalid:amount_cents");
std::string granted(std::int64_t cents, std::string_view id = "A") {
  return decided(1, id, "granted", "", "", cents);
}

// Runs `body` in a child process: a case that aborts today fails its test, not the runner.
std::string outcome_in_child(const std::function<bool()>& body) {
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    ::signal(SIGABRT, SIG_DFL);  // the child dies quietly; the parent reports
    bool held = false;
    try {
      held = body();
    } catch (...) {
    }
    ::_exit(held ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("exited {}", WEXITSTATUS(status));
}

}  // namespace

TEST_CASE("Edges: amount_cents of a submission") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", invalid_amount},
      {"1", granted(1)},
      {"-1", invalid_amount},
      {std::to_string(cents_max - 1), granted(cents_max - 1)},
      {std::to_string(cents_max), granted(cents_max)},
      {std::to_string(cents_max + 1), invalid_amount},
      {int64_max, invalid_amount},
      {int64_min, invalid_amount},
      {std::string(beyond_int64), invalid_amount},
      {"-9223372036854775809", invalid_amount},
      {"1.5", invalid_amount},
      {"1e3", invalid_amount},
      {"\"100\"", invalid_amount},
      {"null", invalid_amount},
      {"[]", invalid_amount}};
  for (const auto& [amount, expected] : cases) {
    INFO("amount_cents " << amount);
    CHECK(decide(R"(,"id":"A","participant":"p","amount_cents":)" + amount) == expected);
  }
  CHECK(decide(R"(,"id":"A","participant":"p")") == invalid_amount);
}

TEST_CASE("Edges: a submission's id") {
  const std::string invalid_id = decided(1, "", "rejected", "invalid:id");
  const std::string id_63 = std::string(63, 'i');
  const std::string id_65 = std::string(65, 'i');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(,"id":"a")", granted(5, "a")},
      {R"(,"id":"aZ9._:-")", granted(5, "aZ9._:-")},
      {",\"id\":" + json_string(id_63), granted(5, id_63)},
      {",\"id\":" + json_string(id_65), invalid_id},
      {R"(,"id":"")", invalid_id},
      {R"(,"id":"A B")", invalid_id},
      {fmt::format(",\"id\":\"A{}\"", four_bytes), invalid_id},
      {R"(,"id":false)", invalid_id},
      {R"(,"id":17)", invalid_id},
      {"", invalid_id}};
  for (const auto& [field, expected] : cases) {
    INFO(field);
    CHECK(decide(field + R"(,"participant":"p","amount_cents":5)") == expected);
  }
}

// An id of exactly 64 bytes (the limit) once aborted the allocator: engine/id_arena.hpp
// asserted on the 65 bytes its one-byte length prefix makes of it.
TEST_CASE("Edges: an id of exactly 64 bytes is accepted", "[process]") {
  const std::string id_64(limits::application_id_bytes_max, 'i');
  CHECK(outcome_in_child([&] {
          return decide(",\"id\":" + json_string(id_64) +
                        R"(,"participant":"p","amount_cents":5)") == granted(5, id_64);
        }) == "exited 0");
}

TEST_CASE("Edges: a submission's participant") {
  const std::string invalid_participant = decided(1, "A", "rejected", "invalid:participant");
  const std::size_t most = limits::participant_bytes_max;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {",\"participant\":" + json_string(std::string(most, 'a')), granted(5)},
      {",\"participant\":" + json_string(std::string(most + 1, 'a')), invalid_participant},
      {",\"participant\":" + json_string(repeated(four_bytes, most / 4)), granted(5)},
      {",\"participant\":" + json_string("a" + repeated(four_bytes, most / 4)),
       invalid_participant},
      {R"(,"participant":"a")", granted(5)},
      {R"(,"participant":"")", invalid_participant},
      {R"(,"participant":7)", invalid_participant},
      {"", invalid_participant},
      {",\"participant_hmac\":" + json_string(repeated("ab", 32)), granted(5)},
      {",\"participant_hmac\":" + json_string(repeated("AB", 32)), granted(5)},
      {",\"participant_hmac\":" + json_string(repeated("ab", 31)), invalid_participant},
      {",\"participant_hmac\":" + json_string(repeated("ab", 33)), invalid_participant},
      {",\"participant_hmac\":" + json_string(repeated("ab", 31) + "a"), invalid_participant},
      {",\"participant_hmac\":" + json_string(repeated("zz", 32)), invalid_participant},
      {R"(,"participant":"a","participant_hmac":")" + repeated("ab", 32) + "\"",
       invalid_participant}};
  for (const auto& [field, expected] : cases) {
    INFO(field);
    CHECK(decide(R"(,"id":"A")" + field + R"(,"amount_cents":5)") == expected);
  }
}

TEST_CASE("Edges: activities, declared value and partnership") {
  const std::string invalid_activities = decided(1, "A", "rejected", "invalid:activities");
  const std::string prices = "unit_subsidy_cents = { A = 100, D = 100000000 }";
  const std::string units_max = std::to_string(limits::activity_units_max);
  const std::vector<std::pair<std::string, std::string>> activities = {
      {R"({"A":1})", granted(100)},
      {R"({"A":)" + units_max + "}", granted(100 * limits::activity_units_max)},
      {R"({"A":)" + std::to_string(limits::activity_units_max + 1) + "}", invalid_activities},
      {R"({"A":0})", invalid_activities},
      {R"({"A":-1})", invalid_activities},
      {R"({"A":)" + int64_min + "}", invalid_activities},
      {R"({"D":)" + units_max + "}", invalid_activities},  // 10^14 cents: over the limit
      {R"({"B_light":1})", invalid_activities},            // no price in this scheme
      {R"({"Z":1})", invalid_activities},
      {"[]", invalid_activities}};
  for (const auto& [units, expected] : activities) {
    INFO("activities " << units);
    CHECK(decide(R"(,"id":"A","participant":"p","activities":)" + units, prices) == expected);
  }
  CHECK(decide(R"(,"id":"A","participant":"p","activities":{"A":1},"amount_cents":101)", prices) ==
        invalid_amount);

  const std::string invalid_value = decided(1, "A", "rejected", "invalid:declared_value_cents");
  const std::string ineligible = decided(1, "A", "rejected", "ineligible");
  const std::vector<std::pair<std::string, std::string>> values = {
      {"125", granted(100)},  // at 20 % co-financing: 125 % of the subsidy
      {"124", ineligible},
      {"0", invalid_value},
      {"-1", invalid_value},
      {std::to_string(cents_max), granted(100)},
      {std::to_string(cents_max + 1), invalid_value},
      {int64_min, invalid_value},
      {int64_max, invalid_value},
      {std::string(beyond_int64), invalid_value}};
  for (const auto& [value, expected] : values) {
    INFO("declared_value_cents " << value);
    CHECK(
        decide(R"(,"id":"A","participant":"p","amount_cents":100,"declared_value_cents":)" + value,
               "cofinancing_percent = 20") == expected);
  }

  const std::string invalid_partnership = decided(1, "A", "rejected", "invalid:partnership");
  const std::vector<std::pair<std::string, std::string>> partnerships = {
      {R"({"employer_org":true,"employee_org":true})", granted(5)},
      {R"({"employer_org":true})", ineligible},
      {R"({"stvda_advice":true})", granted(5)},
      {"{}", ineligible},
      {R"({"union":true})", invalid_partnership},
      {R"({"employer_org":1})", invalid_partnership},
      {R"("yes")", invalid_partnership}};
  for (const auto& [partnership, expected] : partnerships) {
    INFO("partnership " << partnership);
    CHECK(decide(R"(,"id":"A","participant":"p","amount_cents":5,"partnership":)" + partnership,
                 "requires_partnership = true") == expected);
  }
}

TEST_CASE("Edges: an event line's own fields") {
  EventParser parser(std::vector<std::uint8_t>{'k'});
  const auto error_of = [&](const std::string& line) {
    return parser.parse(line).status().message();
  };
  const auto submit = [](std::string_view fields) {
    return fmt::format(R"({{"type":"submit","seq":1,"received_at":"{}","tranche":"m"{}}})", at,
                       fields);
  };
  const auto monitoring = [&](std::size_t serialized_bytes) {
    return submit(R"(,"monitoring":{"k":")" + std::string(serialized_bytes - 8, 'x') + "\"}");
  };
  const std::string seq_error = "field 'seq': must be a positive integer";
  const std::string time_error = "field 'received_at': must be an RFC 3339 date-time with offset";
  const auto with_seq = [&](std::string_view seq) {
    return fmt::format(R"({{"type":"close","seq":{},"received_at":"{}","tranche":"m"}})", seq, at);
  };
  const auto with_time = [&](std::string_view time) {
    return fmt::format(R"({{"type":"close","seq":1,"received_at":"{}","tranche":"m"}})", time);
  };
  const auto appeal = [&](std::string_view reference) {
    return fmt::format(
        R"({{"type":"appeal","seq":1,"received_at":"{}","tranche":"m","id":"A","reference":"{}"}})",
        at, reference);
  };
  const auto close = [&](std::string_view seed) {
    return fmt::format(R"({{"type":"close","seq":1,"received_at":"{}","tranche":"m","seed":"{}"}})",
                       at, seed);
  };
  const std::string seed_error = "field 'seed': must be a string of at most 128 bytes";
  const std::string reference_error = "field 'reference': must be a string of at most 256 bytes";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {with_seq("0"), seq_error},
      {with_seq("1"), ""},
      {with_seq("-1"), seq_error},
      {with_seq(int64_max), ""},
      {with_seq(int64_min), seq_error},
      {with_seq(beyond_int64), seq_error},
      {with_seq("1.0"), seq_error},
      {with_time("2021-03-02T08:00:00.123456789Z"), ""},
      {with_time("2021-03-02T08:00:00.1234567891Z"), time_error},
      {with_time("2021-03-02T08:00:00"), time_error},
      {with_time("2021-03-02T08:00:00+23:59"), ""},
      {with_time("2021-03-02T08:00:00+24:00"), time_error},
      {with_time("1899-12-31T23:59:59Z"), time_error},
      {with_time("1900-01-01T00:00:00Z"), ""},
      {with_time("2200-12-31T23:59:59.999999999Z"), ""},
      {with_time("2201-01-01T00:00:00Z"), time_error},
      {with_time("2020-02-29T00:00:00Z"), ""},
      {with_time("2021-02-29T00:00:00Z"), time_error},
      {with_time("2021-03-02T24:00:00Z"), time_error},
      {with_time("2021-03-02T23:59:60Z"), time_error},
      {with_time(""), time_error},
      {monitoring(limits::monitoring_bytes_max), ""},
      {monitoring(limits::monitoring_bytes_max + 1),
       "field 'monitoring': must be at most 1024 bytes"},
      {submit(",\"monitoring\":" + nested(limits::json_depth_max - 1)), ""},
      {submit(",\"monitoring\":" + nested(limits::json_depth_max)), "not valid JSON"},
      {submit(",\"participant\":" + json_string(bad_utf8)), "not valid JSON"},
      {appeal(std::string(limits::appeal_reference_bytes_max, 'r')), ""},
      {appeal(std::string(limits::appeal_reference_bytes_max + 1, 'r')), reference_error},
      {appeal(repeated(four_bytes, limits::appeal_reference_bytes_max / 4)), ""},
      {appeal("r" + repeated(four_bytes, limits::appeal_reference_bytes_max / 4)), reference_error},
      {appeal(""), ""},  // the allocator refuses it (appeal_reference_missing)
      {close(repeated("a5", limits::seed_bytes_max)), ""},
      {close(repeated("a5", limits::seed_bytes_max + 1)), seed_error},
      {close(""), "field 'seed': must be non-empty hex"},
      {close("a"), "field 'seed': must be non-empty hex"},
      {close("zz"), "field 'seed': must be non-empty hex"}};
  for (const auto& [line, expected] : cases) {
    INFO(line.substr(0, 300));
    CHECK(error_of(line).substr(0, expected.empty() ? std::string::npos : expected.size()) ==
          expected);
  }
}

TEST_CASE("Edges: an event line of exactly the line limit, and one byte more") {
  TempFolder folder("limits-line");
  const std::string scheme = folder.write("scheme.toml", edge_scheme());
  const std::string head = fmt::format(
      R"({{"type":"submit","seq":1,"received_at":"{}","tranche":"m","id":"A","participant":"p","amount_cents":5)",
      at);
  const auto allocate = [&](std::size_t line_bytes) {
    const std::string padding(line_bytes - head.size() - 1, ' ');  // JSON allows spaces
    const std::string events = folder.write("events.jsonl", head + padding + "}\n");
    std::FILE* errors = std::tmpfile();
    const int exit_code =
        run_allocate(AllocateOptions{scheme, events, folder.path("out.jsonl"), "", ""}, errors);
    std::rewind(errors);
    char buffer[512] = {};
    const std::size_t read = std::fread(buffer, 1, sizeof(buffer) - 1, errors);
    std::fclose(errors);
    return std::pair{exit_code, std::string(buffer, read)};
  };
  CHECK(allocate(limits::event_line_bytes_max - 1).first == 0);
  CHECK(allocate(limits::event_line_bytes_max).first == 0);
  const auto [exit_code, message] = allocate(limits::event_line_bytes_max + 1);
  CHECK(exit_code == 1);
  CHECK(message.ends_with(":1: line longer than 65536 bytes\n"));
}

// A journaled event of the longest line once exported as a longer line than `loket allocate`
// reads (its over-long id was kept, and the participant became its 64-hex-digit HMAC). An id
// over its limit is now malformed and not kept.
TEST_CASE("Edges: an event line of the line limit exports as a line allocate reads again",
          "[process]") {
  TempFolder folder("limits-line-export");
  const std::string scheme = folder.write("scheme.toml", edge_scheme());
  const std::string head = fmt::format(
      R"({{"type":"submit","seq":1,"received_at":"{}","tranche":"m","participant":"p","id":")", at);
  // An id far over its limit is still an event: rejected `invalid`, journaled, exported.
  const std::string line =
      head + std::string(limits::event_line_bytes_max - head.size() - 2, 'i') + "\"}";
  REQUIRE(line.size() == limits::event_line_bytes_max);
  const std::string decisions =
      allocate_into(scheme, folder.write("events.jsonl", line + "\n"), folder.path("journal"));
  CHECK(decisions == decided(1, "", "rejected", "invalid:id") + "\n");
  std::FILE* errors = std::tmpfile();
  REQUIRE(run_export(ExportOptions{folder.path("journal"), "events", "jsonl",
                                   folder.path("exported.jsonl")},
                     errors) == 0);
  std::fclose(errors);
  const std::string exported = read_text(folder.path("exported.jsonl"));
  CHECK(exported.size() - 1 <= limits::event_line_bytes_max);
  errors = std::tmpfile();
  CHECK(run_allocate(AllocateOptions{scheme, folder.path("exported.jsonl"),
                                     folder.path("again.jsonl"), "", ""},
                     errors) == 0);
  std::fclose(errors);
  CHECK(read_text(folder.path("again.jsonl")) == decisions);
}

TEST_CASE("Edges: appeal amounts and references reach the allocator's refusals") {
  Harness harness(edge_scheme(), AllocatorOptions{16});
  // Asks for EUR 10 and gets it; appeals can add nothing beyond the request.
  harness.apply(fmt::format(
      R"({{"type":"submit","received_at":"{}","tranche":"m","id":"A","participant":"p","amount_cents":1000}})",
      at));
  const auto appeal = [&](std::string_view amount, std::string_view reference) {
    return fmt::format(
        R"({{"type":"appeal","received_at":"{}","tranche":"m","id":"A","amount_cents":{},"reference":"{}"}})",
        at, amount, reference);
  };
  for (const std::string& amount :
       {std::string("0"), std::string("-1"), int64_min, int64_max, std::to_string(cents_max)}) {
    INFO("amount_cents " << amount);
    CHECK(harness.refused(appeal(amount, "R")) == Refusal::appeal_amount_invalid);
  }
  CHECK(harness.refused(appeal("1", "R")) == Refusal::appeal_exceeds_request);
  CHECK(harness.refused(appeal("1", "")) == Refusal::appeal_reference_missing);
  CHECK(harness.refused(appeal("1", std::string(limits::appeal_reference_bytes_max, 'r'))) ==
        Refusal::appeal_exceeds_request);  // the longest reference is read, then judged
}

// The same appeal (same application, same reference) sent twice was granted twice; R9 says
// it counts once however often it is sent.
TEST_CASE("Edges: the same appeal sent twice counts once") {
  Harness harness(R"(
[scheme]
id = "s"
name = "S"
unique_participant = "scheme"
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 100
ranking = "arrival"
fit = "partial"
spillover = "none"
)",
                  AllocatorOptions{16});
  harness.apply(fmt::format(
      R"({{"type":"submit","received_at":"{}","tranche":"m","id":"A","participant":"p","amount_cents":1000}})",
      at));
  const std::string appeal = fmt::format(
      R"({{"type":"appeal","received_at":"{}","tranche":"m","id":"A","amount_cents":100,"reference":"R-1"}})",
      at);
  CHECK(harness.apply(appeal) ==
        std::vector<std::string>{decided(2, "A", "granted", "appeal", "", 200)});
  const auto again = harness.try_apply(appeal);  // refused, or accepted without a grant
  if (again)
    CHECK(*again == std::vector<std::string>{decided(3, "A", "granted", "appeal", "", 200)});
  CHECK(harness.allocator().tranche_status(0).pools.at(0).appeal_granted_units == 100);
}

// An amount of INT64_MIN (journaled with the `invalid` decision it gets) once aborted the CSV
// export: storage/csv.cpp's format_euros asserted cents > INT64_MIN.
TEST_CASE("Edges: an event with an amount of INT64_MIN exports as CSV", "[process]") {
  CHECK(outcome_in_child([] {
          const Scheme scheme = scheme_from_toml(edge_scheme());
          SubmitCommand submit;
          submit.tranche_id = "m";
          submit.application_id = "A";
          submit.amount_cents = INT64_MIN;
          JournalRecord record;
          record.sequence = 1;
          record.command = submit;
          std::string row;
          append_export_rows(row, ExportKind::events_csv, rfc4180_dialect, scheme, record);
          return row.find(",-9223372036854775808,-92233720368547758.08,") != std::string::npos;
        }) == "exited 0");
}
