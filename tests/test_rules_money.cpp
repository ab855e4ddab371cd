// R6 money and compartments (fit rules, bands, exact shares) and R7 spillover at close.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/harness.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

// Budget EUR 1,000 split 30/70 between bands [1, 100] and [100, 1000] euros.
std::string two_compartments(std::string_view fit, std::string_view spillover = "at_close") {
  return fmt::format(R"(
[scheme]
id = "money"
name = "Money"
unique_participant = "scheme"
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 100000
ranking = "arrival"
fit = "{}"
spillover = "{}"
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
)",
                     fit, spillover);
}

constexpr std::string_view at = "2021-03-02T08:00:00Z";
constexpr std::string_view close_event =
    R"({"type":"close","received_at":"2021-04-01T08:00:00Z","tranche":"m"})";

}  // namespace

TEST_CASE("R6: shares are rounded down and the last compartment takes the remainder") {
  CHECK(split_budget(100001, {33, 67}) == std::vector<std::int64_t>{33000, 67001});
  CHECK(split_budget(7150000000, {20, 80}) == std::vector<std::int64_t>{1430000000, 5720000000});
  CHECK(split_budget(10, {33, 33, 34}) == std::vector<std::int64_t>{3, 3, 4});
  CHECK(split_budget(1, {50, 50}) == std::vector<std::int64_t>{0, 1});
}

TEST_CASE("R6: exactly EUR 1,000,000 belongs to the small compartment") {
  Harness harness(R"(
[scheme]
id = "s"
name = "S"
unique_participant = "scheme"
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 7150000000
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
)");
  CHECK(harness.apply(money("m", "A-1", "p1", 100000000, at)) ==
        std::vector{decided(1, "A-1", "granted", "", "small", 100000000)});
  CHECK(harness.apply(money("m", "A-2", "p2", 100000001, at)) ==
        std::vector{decided(2, "A-2", "granted", "", "large", 100000001)});
  CHECK(harness.apply(money("m", "A-3", "p3", 30000000, at)) ==
        std::vector{decided(3, "A-3", "granted", "", "small", 30000000)});
}

TEST_CASE("R6 partial: grant what remains, keep the rest as unmet demand") {
  Harness harness(two_compartments("partial", "none"));
  CHECK(harness.apply(money("m", "A-1", "p1", 10000, at)) ==
        std::vector{decided(1, "A-1", "granted", "", "small", 10000)});
  CHECK(harness.apply(money("m", "A-2", "p2", 10000, at)) ==
        std::vector{decided(2, "A-2", "granted", "", "small", 10000)});
  CHECK(harness.apply(money("m", "A-3", "p3", 10000, at)) ==
        std::vector{decided(3, "A-3", "granted", "", "small", 10000)});
  // The small compartment has EUR 300: EUR 0 left; the next one waits with nothing.
  CHECK(harness.apply(money("m", "A-4", "p4", 5000, at)) ==
        std::vector{decided(4, "A-4", "waitlisted", "", "small", 0)});
  CHECK(harness.apply(money("m", "A-5", "p5", 60000, at)) ==
        std::vector{decided(5, "A-5", "granted", "", "large", 60000)});
  CHECK(harness.apply(money("m", "A-6", "p6", 20000, at)) ==
        std::vector{decided(6, "A-6", "granted", "", "large", 10000)});
  const PoolStatus large = harness.allocator().tranche_status(0).pools.at(1);
  CHECK(large.remaining_units == 0);
  CHECK(large.unmet_units == 10000);
  // Without spillover, close rejects whoever got nothing; the partial grant stays.
  CHECK(harness.apply(close_event) ==
        std::vector{decided(7, "A-4", "rejected", "budget_exhausted", "small", 0)});
}

TEST_CASE("R6 skip: one that does not fit waits, a later smaller one may fit") {
  Harness harness(two_compartments("skip", "none"));
  harness.apply(money("m", "A-1", "p1", 50000, at));  // large has EUR 200 left
  CHECK(harness.apply(money("m", "A-2", "p2", 30000, at)) ==
        std::vector{decided(2, "A-2", "waitlisted", "", "large", 0)});
  CHECK(harness.apply(money("m", "A-3", "p3", 15000, at)) ==
        std::vector{decided(3, "A-3", "granted", "", "large", 15000)});
}

TEST_CASE("R6: an application that needs exactly what remains fits, under every rule") {
  for (const char* fit : {"partial", "skip", "block"}) {
    Harness harness(two_compartments(fit, "none"));
    harness.apply(money("m", "A-1", "p1", 50000, at));
    CHECK(harness.apply(money("m", "A-2", "p2", 20000, at)) ==
          std::vector{decided(2, "A-2", "granted", "", "large", 20000)});
    CHECK(harness.allocator().tranche_status(0).pools.at(1).remaining_units == 0);
  }
}

TEST_CASE("R6 block: once one does not fit, every later one waits") {
  Harness harness(two_compartments("block", "none"));
  harness.apply(money("m", "A-1", "p1", 50000, at));  // large has EUR 200 left
  CHECK(harness.apply(money("m", "A-2", "p2", 30000, at)) ==
        std::vector{decided(2, "A-2", "waitlisted", "", "large", 0)});
  CHECK(harness.apply(money("m", "A-3", "p3", 15000, at)) ==
        std::vector{decided(3, "A-3", "waitlisted", "", "large", 0)});
  // The block is per compartment: the small one still serves.
  CHECK(harness.apply(money("m", "A-4", "p4", 100, at)) ==
        std::vector{decided(4, "A-4", "granted", "", "small", 100)});
}

TEST_CASE("R6: a money tranche without compartments has one implicit compartment") {
  Harness harness(R"(
[scheme]
id = "s"
name = "S"
unique_participant = "scheme"
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 1000
ranking = "arrival"
fit = "partial"
spillover = "at_close"
)");
  CHECK(harness.apply(money("m", "A-1", "p1", 600, at)) ==
        std::vector{decided(1, "A-1", "granted", "", "", 600)});
  CHECK(harness.apply(money("m", "A-2", "p2", 600, at)) ==
        std::vector{decided(2, "A-2", "granted", "", "", 400)});
}

TEST_CASE("R7: an underspent compartment's money moves to one with unmet demand at close") {
  Harness harness(two_compartments("partial"));
  // Small (EUR 300) gets EUR 50 of demand; large (EUR 700) is oversubscribed.
  harness.apply(money("m", "S-1", "p1", 5000, at));
  CHECK(harness.apply(money("m", "L-1", "p2", 60000, at)) ==
        std::vector{decided(2, "L-1", "granted", "", "large", 60000)});
  CHECK(harness.apply(money("m", "L-2", "p3", 30000, at)) ==
        std::vector{decided(3, "L-2", "granted", "", "large", 10000)});
  CHECK(harness.apply(money("m", "L-3", "p4", 40000, at)) ==
        std::vector{decided(4, "L-3", "waitlisted", "", "large", 0)});
  CHECK(harness.apply(money("m", "L-4", "p5", 15000, at)) ==
        std::vector{decided(5, "L-4", "waitlisted", "", "large", 0)});
  // EUR 250 moves; served in rank order: L-2 needs EUR 200 more, L-3 gets the last EUR 50.
  CHECK(
      harness.apply(close_event) ==
      std::vector<std::string>{
          R"({"type":"transfer","seq":6,"tranche":"m","from":"small","to":"large","amount_cents":25000})",
          decided(6, "L-2", "granted", "", "large", 30000),
          decided(6, "L-3", "granted", "", "large", 5000),
          decided(6, "L-4", "rejected", "budget_exhausted", "large", 0)});
  const TrancheStatus status = harness.allocator().tranche_status(0);
  CHECK(status.closed);
  CHECK(status.pools.at(0).transferred_out_units == 25000);
  CHECK(status.pools.at(1).transferred_in_units == 25000);
  CHECK(status.pools.at(0).granted_units + status.pools.at(1).granted_units == 100000);
}

TEST_CASE("R7: with spillover none, nothing moves") {
  Harness harness(two_compartments("partial", "none"));
  harness.apply(money("m", "L-1", "p1", 80000, at));
  CHECK(harness.apply(close_event) == std::vector<std::string>{});
  CHECK(harness.allocator().tranche_status(0).pools.at(0).remaining_units == 30000);
}

TEST_CASE("R7: spillover serves by the same fit rule (skip lets a smaller one in)") {
  Harness harness(two_compartments("skip"));
  harness.apply(money("m", "L-1", "p1", 70000, at));
  harness.apply(money("m", "L-2", "p2", 50000, at));  // waits
  harness.apply(money("m", "L-3", "p3", 20000, at));  // waits
  CHECK(
      harness.apply(close_event) ==
      std::vector<std::string>{
          R"({"type":"transfer","seq":4,"tranche":"m","from":"small","to":"large","amount_cents":30000})",
          decided(4, "L-3", "granted", "", "large", 20000),
          decided(4, "L-2", "rejected", "budget_exhausted", "large", 0)});
}

TEST_CASE("R7: money moves on when the receiver's demand is met, until nothing moves") {
  Harness harness(R"(
[scheme]
id = "s"
name = "S"
unique_participant = "scheme"
[[tranche]]
id = "m"
opens_at = "2021-03-01T08:00:00Z"
closes_at = "2021-04-01T08:00:00Z"
budget_cents = 300
ranking = "arrival"
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "a"
share_percent = 34
min_cents = 1
max_cents = 100
[[tranche.compartment]]
id = "b"
share_percent = 33
min_cents = 101
max_cents = 200
[[tranche.compartment]]
id = "c"
share_percent = 33
min_cents = 201
max_cents = 300
)");
  // Budgets: a 102, b 99, c 99. a has no demand; b wants 150; c wants 250.
  harness.apply(money("m", "B-1", "p1", 150, at));
  harness.apply(money("m", "C-1", "p2", 250, at));
  CHECK(harness.apply(close_event) ==
        std::vector<std::string>{
            R"({"type":"transfer","seq":3,"tranche":"m","from":"a","to":"b","amount_cents":102})",
            decided(3, "B-1", "granted", "", "b", 150),
            R"({"type":"transfer","seq":3,"tranche":"m","from":"b","to":"c","amount_cents":51})",
            decided(3, "C-1", "granted", "", "c", 150)});
}
