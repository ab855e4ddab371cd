// R2 windows, R3 checks in their fixed order, R4 unique participants, R5 places: one row per
// reason code, each row a scheme, the events before it and the decision expected.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "tests/harness.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

constexpr std::string_view places_scheme = R"(
[scheme]
id = "places"
name = "Places"
unique_participant = "scheme"
[[tranche]]
id = "t1"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-02T08:00:00Z"
places = 2
ranking = "arrival"
[[tranche]]
id = "t2"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-02T08:00:00Z"
places = 5
ranking = "arrival"
)";

// Sector-scheme rules: partnership, 20 % co-financing, unit prices, two compartments.
constexpr std::string_view sector_scheme = R"(
[scheme]
id = "sector"
name = "Sector"
unique_participant = "scheme"
requires_partnership = true
cofinancing_percent = 20
[scheme.unit_subsidy_cents]
A = 56000
C3 = 100000
[[tranche]]
id = "m"
opens_at = 2021-03-01T09:00:00+01:00
closes_at = 2021-04-26T17:00:00+02:00
budget_cents = 1000000000
ranking = "arrival"
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "small"
share_percent = 20
min_cents = 30000000
max_cents = 100000000
[[tranche.compartment]]
id = "large"
share_percent = 80
min_cents = 100000000
max_cents = 500000000
)";

constexpr std::string_view at = "2020-12-01T09:00:00Z";
constexpr std::string_view sector_at = "2021-03-02T10:00:00Z";
constexpr std::string_view both_sides =
    R"("partnership":{"employer_org":true,"employee_org":true,"stvda_advice":false})";

std::string sector(std::string_view id, std::string_view participant, std::string_view fields) {
  return fmt::format(R"({{"type":"submit","received_at":"{}","tranche":"m","id":"{}",)"
                     R"("participant":"{}",{}}})",
                     sector_at, id, participant, fields);
}

}  // namespace

TEST_CASE("R2: a tranche accepts from opens_at inclusive to closes_at exclusive") {
  Harness harness(places_scheme);
  CHECK(harness.apply(place("t1", "A-1", "p1", "2020-12-01T07:59:59.999999999Z")) ==
        std::vector{decided(1, "A-1", "rejected", "window_not_open")});
  CHECK(harness.apply(place("t1", "A-2", "p2", "2020-12-01T08:00:00Z")) ==
        std::vector{decided(2, "A-2", "granted")});
  CHECK(harness.apply(place("t1", "A-3", "p3", "2020-12-02T07:59:59.999999999Z")) ==
        std::vector{decided(3, "A-3", "granted")});
  CHECK(harness.apply(place("t2", "A-4", "p4", "2020-12-02T08:00:00Z")) ==
        std::vector{decided(4, "A-4", "rejected", "window_closed")});
}

TEST_CASE("R2: after an operator close, submissions are window_closed") {
  Harness harness(places_scheme);
  harness.apply(R"({"type":"close","received_at":"2020-12-01T10:00:00Z","tranche":"t1"})");
  CHECK(harness.apply(place("t1", "A-1", "p1", "2020-12-01T10:00:01Z")) ==
        std::vector{decided(2, "A-1", "rejected", "window_closed")});
}

TEST_CASE("R3: each check, in order, the first failure is the reason") {
  struct Row {
    const char* name;
    std::string event;
    std::string expected;
  };
  const std::vector<Row> rows = {
      {"unknown tranche wins over everything",
       R"({"type":"submit","received_at":"2020-12-01T09:00:00Z","tranche":"zz","amount_cents":-1})",
       decided(1, "", "rejected", "unknown_tranche")},
      {"window wins over invalid fields",
       R"({"type":"submit","received_at":"2021-03-01T07:59:59Z","tranche":"m","id":"S-1","amount_cents":0})",
       decided(1, "S-1", "rejected", "window_not_open")},
      {"missing id", R"({"type":"submit","received_at":"2021-03-02T10:00:00Z","tranche":"m"})",
       decided(1, "", "rejected", "invalid:id")},
      {"id with a space",
       R"({"type":"submit","received_at":"2021-03-02T10:00:00Z","tranche":"m","id":"A 1"})",
       decided(1, "", "rejected", "invalid:id")},
      {"id of the wrong type",
       R"({"type":"submit","received_at":"2021-03-02T10:00:00Z","tranche":"m","id":7})",
       decided(1, "", "rejected", "invalid:id")},
      {"missing participant",
       R"({"type":"submit","received_at":"2021-03-02T10:00:00Z","tranche":"m","id":"S-1"})",
       decided(1, "S-1", "rejected", "invalid:participant")},
      {"zero amount", sector("S-1", "p", R"("amount_cents":0)"),
       decided(1, "S-1", "rejected", "invalid:amount_cents")},
      {"negative amount", sector("S-1", "p", R"("amount_cents":-5)"),
       decided(1, "S-1", "rejected", "invalid:amount_cents")},
      {"fractional amount", sector("S-1", "p", R"("amount_cents":1.5)"),
       decided(1, "S-1", "rejected", "invalid:amount_cents")},
      {"amount beyond int64", sector("S-1", "p", R"("amount_cents":99999999999999999999)"),
       decided(1, "S-1", "rejected", "invalid:amount_cents")},
      {"no amount and no activities", sector("S-1", "p", both_sides),
       decided(1, "S-1", "rejected", "invalid:amount_cents")},
      {"an activity without a unit price", sector("S-1", "p", R"("activities":{"D":1})"),
       decided(1, "S-1", "rejected", "invalid:activities")},
      {"an unknown activity", sector("S-1", "p", R"("activities":{"Z":1})"),
       decided(1, "S-1", "rejected", "invalid:activities")},
      {"amount disagrees with activities",
       sector("S-1", "p", R"("activities":{"A":1000},"amount_cents":1)"),
       decided(1, "S-1", "rejected", "invalid:amount_cents")},
      {"no declared value under co-financing", sector("S-1", "p", R"("amount_cents":40000000)"),
       decided(1, "S-1", "rejected", "invalid:declared_value_cents")},
      {"no partnership where required",
       sector("S-1", "p", R"("amount_cents":40000000,"declared_value_cents":50000000)"),
       decided(1, "S-1", "rejected", "invalid:partnership")},
      {"partnership with a non-boolean",
       sector(
           "S-1", "p",
           R"("amount_cents":40000000,"declared_value_cents":50000000,"partnership":{"employer_org":1})"),
       decided(1, "S-1", "rejected", "invalid:partnership")},
      {"employer organisation alone, no advice",
       sector(
           "S-1", "p",
           R"("amount_cents":40000000,"declared_value_cents":50000000,"partnership":{"employer_org":true,"employee_org":false,"stvda_advice":false})"),
       decided(1, "S-1", "rejected", "ineligible")},
      {"declared value one cent below 125 %",
       sector("S-1", "p",
              fmt::format(R"("amount_cents":40000000,"declared_value_cents":49999999,{})",
                          both_sides)),
       decided(1, "S-1", "rejected", "ineligible")},
      {"below the smallest band",
       sector("S-1", "p",
              fmt::format(R"("amount_cents":29999999,"declared_value_cents":50000000,{})",
                          both_sides)),
       decided(1, "S-1", "rejected", "amount_out_of_bounds")},
      {"above the largest band",
       sector("S-1", "p",
              fmt::format(R"("amount_cents":500000001,"declared_value_cents":900000000,{})",
                          both_sides)),
       decided(1, "S-1", "rejected", "amount_out_of_bounds")},
      {"declared value exactly 125 %, advice instead of both sides",
       sector(
           "S-1", "p",
           R"("amount_cents":40000000,"declared_value_cents":50000000,"partnership":{"stvda_advice":true})"),
       decided(1, "S-1", "granted", "", "small", 40000000)},
      {"amount from unit prices: 1,000 x A + 300 x C3 = EUR 860,000",
       sector(
           "S-1", "p",
           fmt::format(R"("activities":{{"A":1000,"C3":300}},"declared_value_cents":107500000,{})",
                       both_sides)),
       decided(1, "S-1", "granted", "", "small", 86000000)},
  };
  for (const Row& row : rows) {
    SECTION(row.name) {
      Harness harness(sector_scheme);
      CHECK(harness.apply(row.event) == std::vector{row.expected});
    }
  }
}

TEST_CASE("R4: one holding submission per participant, per scheme") {
  Harness harness(places_scheme);
  CHECK(harness.apply(place("t1", "A-1", "anna", at)) == std::vector{decided(1, "A-1", "granted")});
  CHECK(harness.apply(place("t2", "A-2", "anna", at)) ==
        std::vector{decided(2, "A-2", "rejected", "duplicate_participant")});
  CHECK(harness.apply(place("t1", "A-3", "bert", at)) == std::vector{decided(3, "A-3", "granted")});
  // t1 is full: carl is rejected, and a rejected submission does not hold its participant.
  CHECK(harness.apply(place("t1", "A-4", "carl", at)) ==
        std::vector{decided(4, "A-4", "rejected", "tranche_full")});
  CHECK(harness.apply(place("t2", "A-5", "carl", at)) == std::vector{decided(5, "A-5", "granted")});
}

TEST_CASE("R4: with scope tranche, a participant may hold one submission in each tranche") {
  std::string scheme(places_scheme);
  scheme.replace(scheme.find("\"scheme\"\n"), 8, "\"tranche\"");
  Harness harness(scheme);
  CHECK(harness.apply(place("t1", "A-1", "anna", at)) == std::vector{decided(1, "A-1", "granted")});
  CHECK(harness.apply(place("t2", "A-2", "anna", at)) == std::vector{decided(2, "A-2", "granted")});
  CHECK(harness.apply(place("t2", "A-3", "anna", at)) ==
        std::vector{decided(3, "A-3", "rejected", "duplicate_participant")});
}

TEST_CASE("R4: a participant given as its HMAC matches the same participant given in clear") {
  Harness harness(places_scheme);
  harness.apply(place("t1", "A-1", "anna", at));
  const ParticipantKey key = participant_key(std::vector<std::uint8_t>{'t', 'e', 's', 't'}, "anna");
  const std::string event = fmt::format(
      R"({{"type":"submit","received_at":"{}","tranche":"t2","id":"A-2","participant_hmac":"{}"}})",
      at, to_hex(key));
  CHECK(harness.apply(event) ==
        std::vector{decided(2, "A-2", "rejected", "duplicate_participant")});
}

TEST_CASE("R5: the first N valid registrations are granted, the rest tranche_full") {
  Harness harness(places_scheme);
  CHECK(harness.apply(place("t1", "A-1", "p1", at)) == std::vector{decided(1, "A-1", "granted")});
  CHECK(harness.apply(place("t1", "A-2", "p1", at)) ==
        std::vector{decided(2, "A-2", "rejected", "duplicate_participant")});
  CHECK(harness.apply(place("t1", "A-3", "p3", at)) == std::vector{decided(3, "A-3", "granted")});
  CHECK(harness.apply(place("t1", "A-4", "p4", at)) ==
        std::vector{decided(4, "A-4", "rejected", "tranche_full")});
  const TrancheStatus status = harness.allocator().tranche_status(0);
  CHECK(status.pools.at(0).remaining_units == 0);
  CHECK(status.pools.at(0).granted_units == 2);
  CHECK(status.applications_by_outcome[static_cast<std::size_t>(Outcome::granted)] == 2);
  CHECK(status.applications_by_outcome[static_cast<std::size_t>(Outcome::rejected)] == 2);
}

TEST_CASE("An application id is used once and a reuse is refused without effect") {
  Harness harness(places_scheme);
  harness.apply(place("t1", "A-1", "p1", at));
  CHECK(harness.refused(place("t2", "A-1", "p2", at)) == Refusal::duplicate_application_id);
  CHECK(harness.apply(place("t2", "A-2", "p2", at)) == std::vector{decided(2, "A-2", "granted")});
  const auto found = harness.allocator().find_application("A-1");
  REQUIRE(found);
  CHECK(found->tranche_index == 0);
  CHECK(found->outcome == Outcome::granted);
}

namespace {

// One places tranche "t1" of `places`, for the tests that fill the id arena.
std::string ids_scheme(std::size_t places) {
  return fmt::format(R"(
[scheme]
id = "ids"
name = "Ids"
unique_participant = "scheme"
[[tranche]]
id = "t1"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2020-12-02T08:00:00Z"
places = {}
ranking = "arrival"
)",
                     places);
}

}  // namespace

TEST_CASE("Application ids at the length limit: 63 and 64 bytes are kept, 65 is invalid") {
  // Enough 64-byte ids to fill several arena blocks, so that entries meet block edges too.
  const std::size_t ids = 3 * limits::id_arena_block_bytes / limits::id_arena_entry_bytes_max;
  Harness harness(ids_scheme(ids + 1));
  const auto id_of_length = [](std::size_t length, std::size_t number) {
    std::string id = fmt::format("{}-", number);
    id.resize(length, 'x');
    return id;
  };
  CHECK(harness.apply(place("t1", id_of_length(63, 0), "p0", at)) ==
        std::vector{decided(1, id_of_length(63, 0), "granted")});
  for (std::size_t number = 1; number <= ids; ++number) {
    const std::string id = id_of_length(limits::application_id_bytes_max, number);
    REQUIRE(harness.apply(place("t1", id, fmt::format("p{}", number), at)) ==
            std::vector{decided(number + 1, id, "granted")});
  }
  CHECK(harness.apply(place("t1", id_of_length(65, 0), "q", at)) ==
        std::vector{decided(ids + 2, "", "rejected", "invalid:id")});
}

TEST_CASE("Ids of every length are found again after they cross arena block edges") {
  // The arena finds an older id by stepping over the lengths of those before it, across the
  // unused ends of blocks; every id here is looked up once later ones have been added.
  const std::size_t ids = 3 * limits::id_arena_block_bytes / 32;
  Harness harness(ids_scheme(ids));
  const auto id_of_number = [](std::size_t number) {
    std::string id = fmt::format("{}-", number);
    id.resize(std::max(id.size(), number * 7 % limits::application_id_bytes_max + 1), 'x');
    return id;
  };
  for (std::size_t number = 0; number < ids; ++number) {
    REQUIRE(harness.apply(place("t1", id_of_number(number), fmt::format("p{}", number), at)) ==
            std::vector{decided(number + 1, id_of_number(number), "granted")});
  }
  for (std::size_t number = 0; number < ids; ++number) {
    const auto found = harness.allocator().find_application(id_of_number(number));
    REQUIRE(found);
    CHECK(found->application_id == id_of_number(number));
    CHECK(found->last_decision_index == number);
  }
}
