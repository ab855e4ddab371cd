// Every limit the engine enforces, in one place. Numbers that go into files or the journal
// (field lengths, counts) are part of the format: raising one is a format change.
#pragma once

#include <cstddef>
#include <cstdint>

namespace loket::limits {

// Scheme shape.
inline constexpr std::size_t tranches_max = 64;
inline constexpr std::size_t compartments_per_tranche_max = 8;
inline constexpr std::size_t identifier_bytes_max = 64;  // scheme, tranche and compartment ids
inline constexpr std::size_t scheme_file_bytes_max = 1 << 20;

// Money and places. Chosen so that any product the rules compute (an amount times 100,
// a count times a unit price) stays far inside int64 without checked arithmetic.
inline constexpr std::int64_t amount_cents_max = 1'000'000'000'000;  // EUR 10 billion
inline constexpr std::int64_t places_max = 100'000'000;
inline constexpr std::int64_t activity_units_max = 1'000'000;  // per activity in one application
inline constexpr std::int64_t unit_subsidy_cents_max = 100'000'000;  // EUR 1 million per unit
static_assert(activity_units_max * unit_subsidy_cents_max * 7 <= amount_cents_max * 1000);
static_assert(amount_cents_max * 100 < INT64_MAX / 2);
// R11: a tranche's budget grows by what earlier tranches carry into it, at most every other
// tranche's whole budget; still inside the same margin.
inline constexpr std::int64_t budget_cents_with_carry_over_max =
    amount_cents_max * static_cast<std::int64_t>(tranches_max);
static_assert(budget_cents_with_carry_over_max * 100 < INT64_MAX / 2);

// One submission.
inline constexpr std::size_t application_id_bytes_max = 64;
inline constexpr std::size_t participant_bytes_max = 256;
inline constexpr std::size_t appeal_reference_bytes_max = 256;
inline constexpr std::size_t seed_bytes_max = 64;
// R8's committed lottery: a close reveals a 32-byte secret, optionally followed by a public
// beacon value; together they are the seed.
inline constexpr std::size_t lottery_secret_bytes = 32;
inline constexpr std::size_t lottery_beacon_bytes_max = 32;
static_assert(lottery_secret_bytes + lottery_beacon_bytes_max <= seed_bytes_max);
// A same_day_lottery tranche draws once per local day of its window and once at the close.
// Scheme instants lie in the years 1900-2200, so no window has more days than this.
inline constexpr std::uint32_t lottery_draws_max = 301 * 366 + 1;
inline constexpr std::size_t event_line_bytes_max = 1 << 16;  // one JSON-lines event
inline constexpr std::size_t monitoring_bytes_max = 1024;     // a submission's monitoring object
inline constexpr std::size_t json_depth_max = 8;              // nesting of JSON from outside
// A journaled checkpoint's signed note (loket's own are about 200 bytes).
inline constexpr std::size_t checkpoint_note_bytes_max = 4096;

// Engine state. Application handles are 32-bit; the id arena is addressed with 32 bits.
inline constexpr std::size_t applications_max = 100'000'000;
// Small blocks: an allocator for a small journal (an audit, a test) touches 64 KiB, not 1 MiB.
inline constexpr std::size_t id_arena_block_bytes = 1 << 16;
// The arena keeps each id behind a one-byte length: an entry is one byte longer than its id.
inline constexpr std::size_t id_arena_entry_bytes_max = application_id_bytes_max + 1;
static_assert(applications_max < (std::size_t{1} << 31));
static_assert(application_id_bytes_max <= UINT8_MAX);
static_assert(id_arena_entry_bytes_max <= id_arena_block_bytes);

}  // namespace loket::limits
