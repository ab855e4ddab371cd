// R9: only a grant after objection or appeal may exceed the cap; it is counted apart.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/harness.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

constexpr std::string_view scheme = R"(
[scheme]
id = "a"
name = "A"
unique_participant = "scheme"
[[tranche]]
id = "p"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-31T08:00:00Z"
places = 1
ranking = "arrival"
[[tranche]]
id = "m"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-31T08:00:00Z"
budget_cents = 1000
ranking = "arrival"
fit = "partial"
spillover = "none"
)";

constexpr std::string_view at = "2020-12-02T08:00:00Z";

std::string appeal(std::string_view tranche, std::string_view id, std::string_view amount) {
  return fmt::format(
      R"({{"type":"appeal","received_at":"2021-01-15T08:00:00Z","tranche":"{}","id":"{}",{}"reference":"ECLI:NL:RVS:2021:1"}})",
      tranche, id, amount);
}

}  // namespace

TEST_CASE("R9: an appeal grants a place beyond the cap, shown apart") {
  Harness harness(scheme);
  harness.apply(place("p", "A-1", "p1", at));
  CHECK(harness.apply(place("p", "A-2", "p2", at)) ==
        std::vector{decided(2, "A-2", "rejected", "tranche_full")});
  CHECK(harness.apply(appeal("p", "A-2", "")) ==
        std::vector{decided(3, "A-2", "granted", "appeal")});
  const PoolStatus pool = harness.allocator().tranche_status(0).pools.at(0);
  CHECK(pool.granted_units == 1);
  CHECK(pool.appeal_granted_units == 1);
  CHECK(pool.remaining_units == 0);
  // The participant holds a granted place again (R4).
  CHECK(harness.apply(money("m", "A-3", "p2", 100, "2021-01-16T08:00:00Z")) ==
        std::vector{decided(4, "A-3", "rejected", "duplicate_participant", "", 0)});
}

TEST_CASE("R9: an appeal on money adds to the cumulative grant, up to the request") {
  Harness harness(scheme);
  harness.apply(money("m", "M-1", "p1", 800, at));
  CHECK(harness.apply(money("m", "M-2", "p2", 500, at)) ==
        std::vector{decided(2, "M-2", "granted", "", "", 200)});
  CHECK(harness.refused(appeal("m", "M-2", R"("amount_cents":301,)")) ==
        Refusal::appeal_exceeds_request);
  CHECK(harness.apply(appeal("m", "M-2", R"("amount_cents":300,)")) ==
        std::vector{decided(3, "M-2", "granted", "appeal", "", 500)});
  const PoolStatus pool = harness.allocator().tranche_status(1).pools.at(0);
  CHECK(pool.granted_units == 1000);
  CHECK(pool.appeal_granted_units == 300);
  CHECK(pool.unmet_units == 0);
}

TEST_CASE("R9: appeals that do not apply are refused and change nothing") {
  Harness harness(scheme);
  harness.apply(place("p", "A-1", "p1", at));
  harness.apply(money("m", "M-1", "p2", 500, at));
  CHECK(harness.refused(appeal("zz", "A-1", "")) == Refusal::unknown_tranche);
  CHECK(harness.refused(appeal("p", "NOPE", "")) == Refusal::unknown_application);
  CHECK(harness.refused(appeal("m", "A-1", R"("amount_cents":5,)")) ==
        Refusal::unknown_application);
  CHECK(harness.refused(appeal("p", "A-1", "")) == Refusal::appeal_exceeds_request);
  CHECK(harness.refused(appeal("p", "A-1", R"("amount_cents":5,)")) ==
        Refusal::appeal_amount_invalid);
  CHECK(harness.refused(appeal("m", "M-1", "")) == Refusal::appeal_amount_invalid);
  CHECK(harness.refused(appeal("m", "M-1", R"("amount_cents":-5,)")) ==
        Refusal::appeal_amount_invalid);
  CHECK(harness.refused(
            R"({"type":"appeal","received_at":"2021-01-15T08:00:00Z","tranche":"p","id":"A-1"})") ==
        Refusal::appeal_reference_missing);
}

TEST_CASE("R9: a pending application cannot be appealed until it is decided") {
  Harness harness(R"(
[scheme]
id = "w"
name = "W"
unique_participant = "scheme"
[[tranche]]
id = "p"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-31T08:00:00Z"
places = 1
ranking = "window_lottery"
)");
  harness.apply(place("p", "A-1", "p1", at));
  CHECK(harness.refused(appeal("p", "A-1", "")) == Refusal::application_pending);
}

TEST_CASE("R9: the same appeal sent again counts once and another reference is another appeal") {
  Harness harness(scheme);
  harness.apply(money("m", "M-1", "p1", 1000, at));
  harness.apply(money("m", "M-2", "p2", 800, at));  // 0 left: waits for money
  const auto ruling = [](std::string_view reference, std::int64_t amount_cents) {
    return fmt::format(
        R"({{"type":"appeal","received_at":"2021-01-15T08:00:00Z","tranche":"m","id":"M-2",)"
        R"("amount_cents":{},"reference":"{}"}})",
        amount_cents, reference);
  };
  CHECK(harness.apply(ruling("ECLI:NL:RVS:2021:1", 300)) ==
        std::vector{decided(3, "M-2", "granted", "appeal", "", 300)});
  // A client's retry, also with another amount: refused, nothing granted twice.
  CHECK(harness.refused(ruling("ECLI:NL:RVS:2021:1", 300)) == Refusal::duplicate_appeal);
  CHECK(harness.refused(ruling("ECLI:NL:RVS:2021:1", 100)) == Refusal::duplicate_appeal);
  CHECK(harness.allocator().tranche_status(1).pools.at(0).appeal_granted_units == 300);
  // A second ruling on the same application is its own appeal, within the request.
  CHECK(harness.apply(ruling("ECLI:NL:RVS:2021:2", 500)) ==
        std::vector{decided(4, "M-2", "granted", "appeal", "", 800)});
  CHECK(harness.refused(ruling("ECLI:NL:RVS:2021:2", 500)) == Refusal::duplicate_appeal);
  CHECK(harness.allocator().tranche_status(1).pools.at(0).appeal_granted_units == 800);
}
