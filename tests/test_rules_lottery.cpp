// R8 rankings: same-day and window lotteries, verifiable from the seed, with Europe/Amsterdam
// calendar days.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "engine/crypto.hpp"
#include "engine/lottery.hpp"
#include "tests/harness.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

std::string lottery_scheme(std::string_view ranking, int places) {
  return fmt::format(R"(
[scheme]
id = "lottery"
name = "Lottery"
unique_participant = "scheme"
[[tranche]]
id = "d"
opens_at = "2021-03-26T08:00:00Z"
closes_at = "2021-04-30T08:00:00Z"
places = {}
ranking = "{}"
)",
                     places, ranking);
}

constexpr std::string_view seed_hex = "00c0ffee";

std::string close_day(std::string_view date, std::string_view received_at) {
  return fmt::format(
      R"({{"type":"close_day","received_at":"{}","tranche":"d","date":"{}","seed":"{}"}})",
      received_at, date, seed_hex);
}

// The ids in the order R8 ranks them, recomputed here from the seed without the allocator.
std::vector<std::string> lottery_order(std::vector<std::string> ids) {
  const auto seed = *from_hex(seed_hex);
  std::stable_sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) {
    return lottery_rank_key(seed, a) < lottery_rank_key(seed, b);
  });
  return ids;
}

}  // namespace

TEST_CASE("R8 rank key is SHA-256 of the seed bytes followed by the id") {
  const std::vector<std::uint8_t> seed = {0x00, 0xc0, 0xff, 0xee};
  const std::vector<std::uint8_t> message = {0x00, 0xc0, 0xff, 0xee, 'A', '-', '1'};
  CHECK(lottery_rank_key(seed, "A-1") == sha256(message));
  // A published vector: SHA-256("abc").
  const std::vector<std::uint8_t> abc = {'a', 'b', 'c'};
  CHECK(to_hex(sha256(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("R8 same_day_lottery: pending until the day closes, in order when all fit") {
  Harness harness(lottery_scheme("same_day_lottery", 3));
  CHECK(harness.apply(place("d", "A-1", "p1", "2021-03-26T09:00:00Z")) ==
        std::vector{decided(1, "A-1", "pending")});
  harness.apply(place("d", "A-2", "p2", "2021-03-26T10:00:00Z"));
  CHECK(harness.refused(close_day("2021-03-26", "2021-03-26T22:59:59Z")) ==
        Refusal::day_not_over);  // 23:59:59 in Amsterdam (CET)
  CHECK(harness.apply(close_day("2021-03-26", "2021-03-26T23:00:00Z")) ==
        std::vector{decided(3, "A-1", "granted"), decided(3, "A-2", "granted")});
  CHECK(harness.refused(close_day("2021-03-26", "2021-03-27T23:00:00Z")) ==
        Refusal::day_already_closed);
}

TEST_CASE("R8 same_day_lottery: an oversubscribed day is decided in lottery order") {
  Harness harness(lottery_scheme("same_day_lottery", 3));
  std::vector<std::string> ids;
  for (int index = 1; index <= 8; ++index) {
    ids.push_back(fmt::format("A-{}", index));
    harness.apply(place("d", ids.back(), fmt::format("p{}", index), "2021-03-26T09:00:00Z"));
  }
  const std::vector<std::string> decisions =
      harness.apply(close_day("2021-03-26", "2021-03-27T08:00:00Z"));
  const std::vector<std::string> ranked = lottery_order(ids);
  std::vector<std::string> expected;
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    expected.push_back(rank < 3 ? decided(9, ranked[rank], "granted")
                                : decided(9, ranked[rank], "rejected", "tranche_full"));
  }
  CHECK(decisions == expected);
  CHECK(ranked != ids);  // this seed does reorder them, so the check above has teeth
}

TEST_CASE("R8: closing a day first closes earlier open days, closing the tranche closes all") {
  Harness harness(lottery_scheme("same_day_lottery", 10));
  harness.apply(place("d", "A-1", "p1", "2021-03-26T09:00:00Z"));
  harness.apply(place("d", "A-2", "p2", "2021-03-27T09:00:00Z"));
  harness.apply(place("d", "A-3", "p3", "2021-03-28T09:00:00Z"));
  const auto pending = [&harness] {
    const TrancheStatus status = harness.allocator().tranche_status(0);
    return std::pair{status.pending_applications, status.pending_days};
  };
  CHECK(pending() == std::pair<std::uint64_t, std::uint32_t>{3, 3});
  CHECK(harness.apply(close_day("2021-03-27", "2021-03-28T10:00:00Z")) ==
        std::vector{decided(4, "A-1", "granted"), decided(4, "A-2", "granted")});
  harness.apply(place("d", "A-4", "p4", "2021-03-28T11:00:00Z"));
  CHECK(pending() == std::pair<std::uint64_t, std::uint32_t>{2, 1});  // both on the 28th
  CHECK(harness.apply(
            R"({"type":"close","received_at":"2021-03-28T12:00:00Z","tranche":"d","seed":"01"})") ==
        std::vector{decided(6, "A-3", "granted"), decided(6, "A-4", "granted")});
}

TEST_CASE("R8: Amsterdam days across the change to summer time") {
  // 2021-03-28 is 23 hours long in Amsterdam: it starts at 2021-03-27T23:00Z (CET) and ends at
  // 2021-03-28T22:00Z (CEST).
  Harness harness(lottery_scheme("same_day_lottery", 10));
  harness.apply(place("d", "A-1", "p1", "2021-03-27T22:59:59.999999999Z"));  // 27th, 23:59:59
  harness.apply(place("d", "A-2", "p2", "2021-03-27T23:00:00Z"));            // 28th, 00:00
  harness.apply(place("d", "A-3", "p3", "2021-03-28T21:59:59Z"));            // 28th, 23:59:59
  CHECK(harness.apply(close_day("2021-03-27", "2021-03-28T21:59:59.5Z")) ==
        std::vector{decided(4, "A-1", "granted")});
  CHECK(harness.refused(close_day("2021-03-28", "2021-03-28T21:59:59.999999999Z")) ==
        Refusal::day_not_over);
  harness.apply(place("d", "A-4", "p4", "2021-03-28T22:00:00Z"));  // 29th, 00:00
  CHECK(harness.apply(close_day("2021-03-28", "2021-03-28T22:00:00Z")) ==
        std::vector{decided(6, "A-2", "granted"), decided(6, "A-3", "granted")});
}

TEST_CASE("R8 window_lottery: everything waits for the close, a lottery when it does not fit") {
  Harness harness(lottery_scheme("window_lottery", 2));
  CHECK(harness.refused(close_day("2021-03-26", "2021-03-27T08:00:00Z")) ==
        Refusal::ranking_has_no_days);
  std::vector<std::string> ids;
  for (int index = 1; index <= 5; ++index) {
    ids.push_back(fmt::format("W-{}", index));
    CHECK(harness.apply(place("d", ids.back(), fmt::format("p{}", index),
                              fmt::format("2021-03-{}T09:00:00Z", 25 + index))) ==
          std::vector{decided(static_cast<Sequence>(index), ids.back(), "pending")});
  }
  CHECK(harness.refused(R"({"type":"close","received_at":"2021-04-30T08:00:00Z","tranche":"d"})") ==
        Refusal::seed_missing);
  const std::vector<std::string> decisions = harness.apply(fmt::format(
      R"({{"type":"close","received_at":"2021-04-30T08:00:00Z","tranche":"d","seed":"{}"}})",
      seed_hex));
  const std::vector<std::string> ranked = lottery_order(ids);
  REQUIRE(decisions.size() == 5);
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    CHECK(decisions[rank] == (rank < 2 ? decided(6, ranked[rank], "granted")
                                       : decided(6, ranked[rank], "rejected", "tranche_full")));
  }
}

TEST_CASE("R8 with compartments: 'all fit' is judged per compartment") {
  Harness harness(R"(
[scheme]
id = "w"
name = "W"
unique_participant = "scheme"
[[tranche]]
id = "d"
opens_at = "2021-03-26T08:00:00Z"
closes_at = "2021-04-30T08:00:00Z"
budget_cents = 1000
ranking = "window_lottery"
fit = "skip"
spillover = "none"
[[tranche.compartment]]
id = "small"
share_percent = 50
min_cents = 1
max_cents = 100
[[tranche.compartment]]
id = "large"
share_percent = 50
min_cents = 101
max_cents = 1000
)");
  // Small demand (EUR 3) fits its EUR 5; large demand (EUR 12) does not fit its EUR 5.
  harness.apply(money("d", "S-1", "p1", 100, "2021-03-26T09:00:00Z"));
  harness.apply(money("d", "L-1", "p2", 400, "2021-03-26T09:00:01Z"));
  harness.apply(money("d", "S-2", "p3", 100, "2021-03-26T09:00:02Z"));
  harness.apply(money("d", "L-2", "p4", 400, "2021-03-26T09:00:03Z"));
  harness.apply(money("d", "S-3", "p5", 100, "2021-03-26T09:00:04Z"));
  harness.apply(money("d", "L-3", "p6", 400, "2021-03-26T09:00:05Z"));
  const std::vector<std::string> decisions = harness.apply(fmt::format(
      R"({{"type":"close","received_at":"2021-04-30T08:00:00Z","tranche":"d","seed":"{}"}})",
      seed_hex));
  REQUIRE(decisions.size() >= 6);
  // Small in sequence order.
  CHECK(decisions[0] == decided(7, "S-1", "granted", "", "small", 100));
  CHECK(decisions[1] == decided(7, "S-2", "granted", "", "small", 100));
  CHECK(decisions[2] == decided(7, "S-3", "granted", "", "small", 100));
  // Large by lottery: one fits, the other two wait and are then rejected at close.
  const std::vector<std::string> ranked = lottery_order({"L-1", "L-2", "L-3"});
  CHECK(decisions[3] == decided(7, ranked[0], "granted", "", "large", 400));
  CHECK(decisions[4] == decided(7, ranked[1], "waitlisted", "", "large", 0));
  CHECK(decisions[5] == decided(7, ranked[2], "waitlisted", "", "large", 0));
  CHECK(decisions.size() == 8);
  CHECK(decisions[6] == decided(7, ranked[1], "rejected", "budget_exhausted", "large", 0));
  CHECK(decisions[7] == decided(7, ranked[2], "rejected", "budget_exhausted", "large", 0));
}
