// R11 carry-over between windows: one test per sentence of the rule, each a worked example
// in docs/rules.md.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "engine/civil_time.hpp"
#include "engine/limits.hpp"
#include "tests/harness.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

// Three places windows in 2023: w1 (3 places) carries into w2 (2), and w2 into w3 (1).
std::string places_windows(std::string_view w1_ranking = "arrival") {
  return fmt::format(R"(
[scheme]
id = "windows"
name = "Windows"
unique_participant = "tranche"
[[tranche]]
id = "w1"
opens_at = "2023-01-01T08:00:00Z"
closes_at = "2023-02-01T08:00:00Z"
places = 3
ranking = "{}"
carry_over_to = "w2"
[[tranche]]
id = "w2"
opens_at = "2023-02-01T08:00:00Z"
closes_at = "2023-03-01T08:00:00Z"
places = 2
ranking = "arrival"
carry_over_to = "w3"
[[tranche]]
id = "w3"
opens_at = "2023-03-01T08:00:00Z"
closes_at = "2023-04-01T08:00:00Z"
places = 1
ranking = "arrival"
)",
                     w1_ranking);
}

// Money: m1 (EUR 500, one implicit compartment) carries into m2 (EUR 100, split 20/80 into
// small [EUR 1, 50] and large [EUR 50, 1,000]). m2 opens when m1 closes.
std::string money_windows(std::string_view m2_fit, std::string_view m2_ranking = "arrival") {
  return fmt::format(R"(
[scheme]
id = "windows"
name = "Windows"
unique_participant = "tranche"
[[tranche]]
id = "m1"
opens_at = "2023-01-01T08:00:00Z"
closes_at = "2023-02-01T08:00:00Z"
budget_cents = 50000
ranking = "arrival"
fit = "partial"
spillover = "none"
carry_over_to = "m2"
[[tranche]]
id = "m2"
opens_at = "2023-02-01T08:00:00Z"
closes_at = "2023-03-01T08:00:00Z"
budget_cents = 10000
ranking = "{}"
fit = "{}"
spillover = "none"
[[tranche.compartment]]
id = "small"
share_percent = 20
min_cents = 100
max_cents = 5000
[[tranche.compartment]]
id = "large"
share_percent = 80
min_cents = 5000
max_cents = 100000
)",
                     m2_ranking, m2_fit);
}

constexpr std::string_view in_january = "2023-01-10T08:00:00Z";
constexpr std::string_view in_february = "2023-02-02T08:00:00Z";
constexpr std::string_view in_march = "2023-03-02T08:00:00Z";

std::string close_at(std::string_view tranche, std::string_view received_at,
                     std::string_view seed = "") {
  const std::string seed_member = seed.empty() ? "" : fmt::format(R"(,"seed":"{}")", seed);
  return fmt::format(R"({{"type":"close","received_at":"{}","tranche":"{}"{}}})", received_at,
                     tranche, seed_member);
}

std::string carried(Sequence sequence, std::string_view from, std::string_view to,
                    std::string_view unit, std::int64_t amount) {
  return fmt::format(
      R"({{"type":"carry_over","seq":{},"from_tranche":"{}","to_tranche":"{}","{}":{}}})", sequence,
      from, to, unit, amount);
}

// m1 grants `m1_granted_cents` and leaves the rest; m2 is filled in its large compartment and
// keeps L-2 (EUR 60) and L-3 (EUR 55) waiting. Returns the next sequence.
Sequence fill_money_windows(Harness& harness, std::int64_t m1_granted_cents) {
  harness.apply(money("m1", "A-1", "p1", m1_granted_cents, in_january));
  CHECK(harness.apply(money("m2", "L-1", "p2", 8000, in_february)) ==
        std::vector{decided(2, "L-1", "granted", "", "large", 8000)});
  CHECK(harness.apply(money("m2", "L-2", "p3", 6000, in_february)) ==
        std::vector{decided(3, "L-2", "waitlisted", "", "large", 0)});
  CHECK(harness.apply(money("m2", "L-3", "p4", 5500, in_february)) ==
        std::vector{decided(4, "L-3", "waitlisted", "", "large", 0)});
  return 5;
}

}  // namespace

TEST_CASE("R11: at the close, the places not granted move to the named tranche in one record") {
  Harness harness(places_windows());
  harness.apply(place("w1", "A-1", "p1", in_january));
  CHECK(harness.apply(close_at("w1", "2023-02-01T08:00:00Z")) ==
        std::vector{carried(2, "w1", "w2", "places", 2)});
  const TrancheStatus source = harness.allocator().tranche_status(0);
  CHECK(source.pools.at(0).remaining_units == 0);
  CHECK(source.pools.at(0).carried_out_units == 2);
  // Places add to the receiver's cap: 2 of its own and 2 carried.
  const TrancheStatus receiver = harness.allocator().tranche_status(1);
  CHECK(receiver.pools.at(0).capacity_units == 2);
  CHECK(receiver.pools.at(0).carried_in_units == 2);
  CHECK(receiver.pools.at(0).remaining_units == 4);
  for (int number = 1; number <= 4; ++number) {
    const std::string id = fmt::format("B-{}", number);
    CHECK(harness.apply(place("w2", id, fmt::format("q{}", number), in_february)) ==
          std::vector{decided(2 + static_cast<Sequence>(number), id, "granted")});
  }
  CHECK(harness.apply(place("w2", "B-5", "q5", in_february)) ==
        std::vector{decided(7, "B-5", "rejected", "tranche_full")});
}

TEST_CASE("R11: nothing moves when nothing is left") {
  Harness harness(places_windows());
  for (int number = 1; number <= 3; ++number) {
    harness.apply(place("w1", fmt::format("A-{}", number), fmt::format("p{}", number), in_january));
  }
  CHECK(harness.apply(close_at("w1", "2023-02-01T08:00:00Z")).empty());
  CHECK(harness.allocator().tranche_status(1).pools.at(0).carried_in_units == 0);
}

TEST_CASE("R11: a tranche without carry_over_to keeps what it has left") {
  Harness harness(places_windows());
  harness.apply(close_at("w1", "2023-02-01T08:00:00Z"));
  harness.apply(close_at("w2", "2023-03-01T08:00:00Z"));
  CHECK(harness.apply(close_at("w3", "2023-04-01T08:00:00Z")).empty());
  CHECK(harness.allocator().tranche_status(2).pools.at(0).remaining_units == 1 + 2 + 3);
}

TEST_CASE("R11: the carry-over comes after the draws") {
  Harness harness(places_windows("window_lottery"));
  CHECK(harness.apply(place("w1", "A-1", "p1", in_january)) ==
        std::vector{decided(1, "A-1", "pending")});
  CHECK(harness.apply(close_at("w1", "2023-02-01T08:00:00Z", "01")) ==
        std::vector{decided(2, "A-1", "granted"), carried(2, "w1", "w2", "places", 2)});
}

TEST_CASE("R11: the carry-over comes after spillover and the budget_exhausted rejections") {
  // m1 split 30/70 with spillover and the skip rule; m2 as in the other examples.
  std::string scheme = money_windows("partial");
  const std::string m1_money = R"(fit = "partial"
spillover = "none"
carry_over_to = "m2")";
  scheme.replace(scheme.find(m1_money), m1_money.size(), R"(fit = "skip"
spillover = "at_close"
carry_over_to = "m2"
[[tranche.compartment]]
id = "small"
share_percent = 30
min_cents = 100
max_cents = 10000
[[tranche.compartment]]
id = "large"
share_percent = 70
min_cents = 10000
max_cents = 50000)");
  Harness harness(scheme);
  harness.apply(money("m1", "S-1", "p1", 5000, in_january));   // small: EUR 100 left over
  harness.apply(money("m1", "L-1", "p2", 25000, in_january));  // large: EUR 100 left
  CHECK(harness.apply(money("m1", "L-2", "p3", 15000, in_january)) ==
        std::vector{decided(3, "L-2", "waitlisted", "", "large", 0)});
  CHECK(harness.apply(money("m1", "L-3", "p4", 30000, in_january)) ==
        std::vector{decided(4, "L-3", "waitlisted", "", "large", 0)});
  // EUR 100 spills to large (EUR 200): L-2 fits, L-3 does not and is rejected; EUR 50 is left.
  CHECK(
      harness.apply(close_at("m1", "2023-02-01T08:00:00Z")) ==
      std::vector<std::string>{
          R"({"type":"transfer","seq":5,"tranche":"m1","from":"small","to":"large","amount_cents":10000})",
          decided(5, "L-2", "granted", "", "large", 15000),
          decided(5, "L-3", "rejected", "budget_exhausted", "large", 0),
          carried(5, "m1", "m2", "amount_cents", 5000)});
}

TEST_CASE("R11: appeal grants count neither way") {
  Harness harness(places_windows());
  harness.apply(place("w1", "A-1", "p1", in_january));
  CHECK(harness.apply(place("w1", "A-2", "p1", in_january)) ==
        std::vector{decided(2, "A-2", "rejected", "duplicate_participant")});
  harness.apply(
      R"({"type":"appeal","received_at":"2023-01-20T08:00:00Z","tranche":"w1","id":"A-2","reference":"AWB-4:25"})");
  // Two granted, one of them on appeal above the cap: two of three places are still unused.
  CHECK(harness.apply(close_at("w1", "2023-02-01T08:00:00Z")) ==
        std::vector{carried(4, "w1", "w2", "places", 2)});
}

TEST_CASE("R11: carried money is split by the receiver's shares, the last taking the remainder") {
  Harness harness(money_windows("partial"));
  harness.apply(money("m1", "A-1", "p1", 50000 - 12345, in_january));
  CHECK(harness.apply(close_at("m1", "2023-02-01T08:00:00Z")) ==
        std::vector{carried(2, "m1", "m2", "amount_cents", 12345)});
  const TrancheStatus receiver = harness.allocator().tranche_status(1);
  CHECK(receiver.pools.at(0).carried_in_units == 2469);  // floor(12345 * 20 / 100)
  CHECK(receiver.pools.at(1).carried_in_units == 9876);  // the remainder
  CHECK(receiver.pools.at(0).remaining_units == 2000 + 2469);
  CHECK(receiver.pools.at(1).remaining_units == 8000 + 9876);
}

TEST_CASE("R11: an open arrival receiver serves its unmet demand at once, in rank order") {
  SECTION("partial: the first in rank is served in full, the next in part") {
    Harness harness(money_windows("partial"));
    const Sequence close = fill_money_windows(harness, 42000);  // EUR 80 left: 16 / 64
    CHECK(harness.apply(close_at("m1", in_february)) ==
          std::vector{carried(close, "m1", "m2", "amount_cents", 8000),
                      decided(close, "L-2", "granted", "", "large", 6000),
                      decided(close, "L-3", "granted", "", "large", 400)});
  }
  SECTION("skip: one that does not fit still waits, a later smaller one is served") {
    Harness harness(money_windows("skip"));
    const Sequence close = fill_money_windows(harness, 44500);  // EUR 55 left: 11 / 44
    // Large gets EUR 44: L-2 (EUR 60) does not fit, L-3 (EUR 55) neither: nobody is served.
    CHECK(harness.apply(close_at("m1", in_february)) ==
          std::vector{carried(close, "m1", "m2", "amount_cents", 5500)});
    Harness more(money_windows("skip"));
    fill_money_windows(more, 43000);  // EUR 70 left: 14 / 56, so L-3 fits and L-2 does not
    CHECK(more.apply(close_at("m1", in_february)) ==
          std::vector{carried(close, "m1", "m2", "amount_cents", 7000),
                      decided(close, "L-3", "granted", "", "large", 5500)});
  }
}

TEST_CASE("R11: a block compartment whose queue is served takes new arrivals again") {
  SECTION("every waiting application served: the block lifts") {
    Harness harness(money_windows("block"));
    const Sequence close = fill_money_windows(harness, 29000);  // EUR 210 left: 42 / 168
    CHECK(harness.apply(close_at("m1", in_february)) ==
          std::vector{carried(close, "m1", "m2", "amount_cents", 21000),
                      decided(close, "L-2", "granted", "", "large", 6000),
                      decided(close, "L-3", "granted", "", "large", 5500)});
    CHECK(harness.apply(money("m2", "L-4", "p5", 5100, in_february)) ==
          std::vector{decided(close + 1, "L-4", "granted", "", "large", 5100)});
  }
  SECTION("the first in line does not fit: nobody behind it is served, and the block stays") {
    Harness harness(money_windows("block"));
    const Sequence close = fill_money_windows(harness, 43125);  // EUR 68.75: 13.75 / 55
    // L-3 (EUR 55) would fit in EUR 55, but waits behind L-2 (EUR 60); so does L-4.
    CHECK(harness.apply(close_at("m1", in_february)) ==
          std::vector{carried(close, "m1", "m2", "amount_cents", 6875)});
    CHECK(harness.apply(money("m2", "L-4", "p5", 5100, in_february)) ==
          std::vector{decided(close + 1, "L-4", "waitlisted", "", "large", 0)});
  }
}

TEST_CASE("R11: a block compartment that receives nothing stays as it was") {
  Harness harness(money_windows("block"));
  harness.apply(money("m1", "A-1", "p3", 49999, in_january));  // m1 will leave 1 cent
  // small (EUR 20): S-1 leaves EUR 5, S-2 (EUR 10) does not fit and blocks the compartment.
  harness.apply(money("m2", "S-1", "p1", 1500, in_february));
  CHECK(harness.apply(money("m2", "S-2", "p2", 1000, in_february)) ==
        std::vector{decided(3, "S-2", "waitlisted", "", "small", 0)});
  // An appeal meets S-2: nobody waits, but the block stands (R6) with EUR 5 left.
  harness.apply(
      R"({"type":"appeal","received_at":"2023-02-02T09:00:00Z","tranche":"m2","id":"S-2","amount_cents":1000,"reference":"AWB-4:25"})");
  // 1 cent splits floor(1 * 20 / 100) = 0 to small and 1 to large: small is as it was.
  CHECK(harness.apply(close_at("m1", "2023-02-03T08:00:00Z")) ==
        std::vector{carried(5, "m1", "m2", "amount_cents", 1)});
  CHECK(harness.apply(money("m2", "S-3", "p4", 100, "2023-02-03T09:00:00Z")) ==
        std::vector{decided(6, "S-3", "waitlisted", "", "small", 0)});
}

TEST_CASE("R11: a lottery receiver has more to draw for") {
  Harness harness(money_windows("partial", "window_lottery"));
  harness.apply(money("m1", "A-1", "p1", 44000, in_january));  // EUR 60 left: 12 / 48
  CHECK(harness.apply(money("m2", "L-1", "p2", 7000, in_february)) ==
        std::vector{decided(2, "L-1", "pending", "", "large", 0)});
  CHECK(harness.apply(money("m2", "L-2", "p3", 5800, in_february)) ==
        std::vector{decided(3, "L-2", "pending", "", "large", 0)});
  // Nothing is decided at the carry-over: the draw decides later, with more money.
  CHECK(harness.apply(close_at("m1", in_february)) ==
        std::vector{carried(4, "m1", "m2", "amount_cents", 6000)});
  CHECK(harness.apply(close_at("m2", "2023-03-01T08:00:00Z", "01")) ==
        std::vector{decided(5, "L-1", "granted", "", "large", 7000),
                    decided(5, "L-2", "granted", "", "large", 5800)});
}

TEST_CASE("R11: a tranche passes on what it received with its own remainder") {
  Harness harness(places_windows());
  harness.apply(place("w1", "A-1", "p1", in_january));
  CHECK(harness.apply(close_at("w1", "2023-02-01T08:00:00Z")) ==
        std::vector{carried(2, "w1", "w2", "places", 2)});
  harness.apply(place("w2", "B-1", "q1", in_february));  // 1 of 2 + 2 places
  CHECK(harness.apply(close_at("w2", "2023-03-01T08:00:00Z")) ==
        std::vector{carried(4, "w2", "w3", "places", 3)});
  CHECK(harness.allocator().tranche_status(2).pools.at(0).remaining_units == 1 + 3);
}

TEST_CASE("R11: several tranches may carry into one") {
  std::string scheme = places_windows();
  // w1 now carries straight into w3, beside w2.
  scheme.replace(scheme.find("carry_over_to = \"w2\""), 20, "carry_over_to = \"w3\"");
  Harness harness(scheme);
  CHECK(harness.apply(close_at("w1", "2023-02-01T08:00:00Z")) ==
        std::vector{carried(1, "w1", "w3", "places", 3)});
  CHECK(harness.apply(close_at("w2", "2023-03-01T08:00:00Z")) ==
        std::vector{carried(2, "w2", "w3", "places", 2)});
  const PoolStatus receiver = harness.allocator().tranche_status(2).pools.at(0);
  CHECK(receiver.carried_in_units == 5);
  CHECK(receiver.remaining_units == 6);
}

TEST_CASE("R11: a tranche cannot be closed while one that carries into it is open") {
  Harness harness(places_windows());
  harness.apply(place("w2", "B-1", "q1", in_february));
  CHECK(harness.refused(close_at("w2", in_march)) == Refusal::carry_over_source_open);
  CHECK(harness.refused(close_at("w3", in_march)) == Refusal::carry_over_source_open);
  // The refusal changed nothing: the next close takes the next sequence.
  CHECK_FALSE(harness.allocator().tranche_status(1).closed);
  CHECK(harness.apply(close_at("w1", in_march)) ==
        std::vector{carried(2, "w1", "w2", "places", 3)});
  CHECK(harness.apply(close_at("w2", in_march)) ==
        std::vector{carried(3, "w2", "w3", "places", 4)});
  CHECK(harness.apply(close_at("w3", in_march)).empty());
}

TEST_CASE("R11 at the extremes: 64 windows of the largest budget carry everything down the chain") {
  // limits::tranches_max windows, each of limits::amount_cents_max, none granting anything:
  // the last receives 63 budgets, split 1/99 between two compartments without overflow.
  std::string scheme = R"(
[scheme]
id = "chain"
name = "Chain"
unique_participant = "tranche"
)";
  const TimestampNs day_ns = 86'400 * nanoseconds_per_second;
  const TimestampNs first_opens_at = *parse_rfc3339("2023-01-01T00:00:00Z");
  const std::size_t windows = limits::tranches_max;
  for (std::size_t index = 0; index < windows; ++index) {
    scheme += fmt::format(
        R"(
[[tranche]]
id = "w{}"
opens_at = "{}"
closes_at = "{}"
budget_cents = {}
ranking = "arrival"
fit = "block"
spillover = "none"
)",
        index, format_rfc3339(first_opens_at + static_cast<TimestampNs>(index) * day_ns),
        format_rfc3339(first_opens_at + static_cast<TimestampNs>(index + 1) * day_ns),
        limits::amount_cents_max);
    if (index + 1 < windows) {
      scheme += fmt::format("carry_over_to = \"w{}\"\n", index + 1);
    } else {
      scheme += R"([[tranche.compartment]]
id = "a"
share_percent = 1
min_cents = 1
max_cents = 100
[[tranche.compartment]]
id = "b"
share_percent = 99
min_cents = 101
max_cents = 1000000000000
)";
    }
  }
  Harness harness(scheme);
  for (std::size_t index = 0; index + 1 < windows; ++index) {
    const std::string closes_at =
        format_rfc3339(first_opens_at + static_cast<TimestampNs>(index + 1) * day_ns);
    const std::int64_t carried_cents =
        limits::amount_cents_max * static_cast<std::int64_t>(index + 1);
    CHECK(harness.apply(close_at(fmt::format("w{}", index), closes_at)) ==
          std::vector{carried(static_cast<Sequence>(index + 1), fmt::format("w{}", index),
                              fmt::format("w{}", index + 1), "amount_cents", carried_cents)});
  }
  const std::int64_t last_received =
      limits::amount_cents_max * static_cast<std::int64_t>(windows - 1);
  CHECK(last_received == limits::budget_cents_with_carry_over_max - limits::amount_cents_max);
  const TrancheStatus last = harness.allocator().tranche_status(windows - 1);
  CHECK(last.pools.at(0).carried_in_units == last_received / 100);
  CHECK(last.pools.at(1).carried_in_units == last_received - last_received / 100);
  // The last window grants the largest amount its band allows from that money.
  CHECK(harness.apply(money(fmt::format("w{}", windows - 1), "X-1", "p1", limits::amount_cents_max,
                            "2023-03-05T12:00:00Z")) ==
        std::vector{decided(windows, "X-1", "granted", "", "b", limits::amount_cents_max)});
}
