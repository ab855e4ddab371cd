// The allocator's hot path does not allocate: once its tables are reserved, deciding
// submissions calls no operator new. Counted with a replaced global operator new.
#include <fmt/format.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>

#include "engine/allocator.hpp"
#include "engine/crypto.hpp"
#include "tests/harness.hpp"

namespace {
std::atomic<std::size_t> allocation_count{0};
}

// GCC cannot see that these replacements pair malloc with free on purpose.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

void* operator new(std::size_t size) {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  if (void* pointer = std::malloc(size == 0 ? 1 : size)) return pointer;
  throw std::bad_alloc();
}
// Every form of new that the delete below may free, so that all of them pair with free
// (AddressSanitizer checks the pairing).
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  allocation_count.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return operator new(size, tag);
}
void operator delete[](void* pointer) noexcept {
  std::free(pointer);
}
void operator delete[](void* pointer, std::size_t) noexcept {
  std::free(pointer);
}
void operator delete(void* pointer) noexcept {
  std::free(pointer);
}
void operator delete(void* pointer, std::size_t) noexcept {
  std::free(pointer);
}

using namespace loket;

TEST_CASE("Deciding submissions allocates no memory once the tables are reserved") {
  constexpr std::size_t submissions = 50'000;
  Allocator allocator(testing::scheme_from_toml(R"(
[scheme]
id = "s"
name = "S"
unique_participant = "scheme"
[[tranche]]
id = "p"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
places = 30000
ranking = "arrival"
[[tranche]]
id = "m"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
budget_cents = 100000000
ranking = "arrival"
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "small"
share_percent = 20
min_cents = 1
max_cents = 10000
[[tranche.compartment]]
id = "large"
share_percent = 80
min_cents = 10000
max_cents = 1000000
)"),
                      AllocatorOptions{2 * submissions});
  std::vector<std::string> ids;
  std::vector<ParticipantKey> keys;
  const std::vector<std::uint8_t> secret = {'s'};
  for (std::size_t index = 0; index < submissions; ++index) {
    ids.push_back(fmt::format("APP-{:07}", index));
    keys.push_back(participant_key(secret, fmt::format("person-{}", index % (submissions - 100))));
  }
  std::vector<Decision> decisions;
  decisions.reserve(8);

  const std::size_t before = allocation_count.load();
  std::array<std::size_t, outcome_count> outcomes{};
  std::size_t refusals = 0;
  std::size_t single_decisions = 0;
  for (std::size_t index = 0; index < submissions; ++index) {
    SubmitCommand command;
    command.tranche_id = index % 2 == 0 ? "p" : "m";
    command.application_id = ids[index];
    command.participant = keys[index];
    command.amount_cents = static_cast<std::int64_t>(1 + index * 37 % 900'000);
    const Refusal refusal =
        allocator.apply(command, index + 1,
                        1'606'809'600'000'000'000 + static_cast<std::int64_t>(index), decisions);
    refusals += refusal == Refusal::none ? 0U : 1U;
    single_decisions += decisions.size() == 1 ? 1U : 0U;
    outcomes[static_cast<std::size_t>(decisions[0].outcome)] += 1;
  }
  const std::size_t allocations = allocation_count.load() - before;
  CHECK(allocations == 0);
  CHECK(refusals == 0);
  CHECK(single_decisions == submissions);
  // The run did real work: grants, waits, full places and duplicate participants.
  CHECK(outcomes[static_cast<std::size_t>(Outcome::granted)] > 20'000);
  CHECK(outcomes[static_cast<std::size_t>(Outcome::waitlisted)] > 0);
  CHECK(outcomes[static_cast<std::size_t>(Outcome::rejected)] > 0);
}
