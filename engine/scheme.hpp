// A scheme: its tranches, their caps and compartments, and the rules that apply (R2-R8).
// Plain data, validated once on load (parse_scheme, parse/scheme_toml.hpp) and immutable
// afterwards; the allocator keeps a copy and trusts every invariant listed here.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/civil_time.hpp"
#include "engine/types.hpp"

namespace loket {

enum class Ranking : std::uint8_t { arrival = 1, same_day_lottery = 2, window_lottery = 3 };
enum class Fit : std::uint8_t { partial = 1, skip = 2, block = 3 };
enum class Spillover : std::uint8_t { at_close = 1, none = 2 };
enum class UniqueScope : std::uint8_t { scheme = 1, tranche = 2 };

// The sector scheme's activities, in the order of its regulation (A, B light/heavy, C.1-3, D).
inline constexpr std::size_t activity_count = 7;
inline constexpr std::array<std::string_view, activity_count> activity_names = {
    "A", "B_light", "B_heavy", "C1", "C2", "C3", "D"};

struct Compartment {
  std::string id;  // empty for the implicit compartment of a money tranche without any
  std::int32_t share_percent = 100;
  std::int64_t min_cents = 1;  // band [min_cents, max_cents], both inclusive (R6)
  std::int64_t max_cents = 0;
  std::int64_t budget_cents = 0;  // share of the tranche budget, derived on load
};

struct Tranche {
  std::string id;
  TimestampNs opens_at = 0;   // inclusive (R2)
  TimestampNs closes_at = 0;  // exclusive
  bool counts_places = false;
  std::int64_t places = 0;        // when counts_places
  std::int64_t budget_cents = 0;  // otherwise
  Ranking ranking = Ranking::arrival;
  Fit fit = Fit::partial;  // money tranches only
  Spillover spillover = Spillover::none;
  // Money tranches have at least one compartment (an implicit one with an empty id when the
  // file names none); places tranches have none. Budgets add up to budget_cents exactly.
  std::vector<Compartment> compartments;
  // R11: the later tranche of the same kind that receives what this one has left at its
  // close. It opens at or after this one closes, so carry-overs never form a cycle.
  std::optional<std::size_t> carry_over_to;

  // The id of the compartment pool `pool_index` allocates from: empty for a places tranche's
  // one pool, and for a money tranche's implicit compartment.
  std::string_view pool_compartment_id(std::size_t pool_index) const {
    return counts_places ? std::string_view{} : std::string_view(compartments.at(pool_index).id);
  }
};

struct Scheme {
  std::string id;
  std::string name;
  TimeZone time_zone = TimeZone::europe_amsterdam;
  UniqueScope unique_participant = UniqueScope::scheme;
  bool requires_partnership = false;
  std::optional<std::int32_t> cofinancing_percent;
  std::array<std::optional<std::int64_t>, activity_count> unit_subsidy_cents{};
  std::vector<Tranche> tranches;

  // Index of the tranche with this id, or nothing.
  std::optional<std::size_t> find_tranche(std::string_view tranche_id) const;
  bool has_unit_prices() const;
  bool has_carry_over() const;  // a tranche names a carry_over_to (R11)
};

// The tranches' indexes by closes_at, earliest first (ties in file order). Closing in this
// order closes a carry-over source before its target, which opens only after it closes (R11).
std::vector<std::size_t> closing_order(const Scheme& scheme);

// R6: each compartment gets floor(budget * share / 100); the last takes the remainder.
std::vector<std::int64_t> split_budget(std::int64_t budget_cents,
                                       const std::vector<std::int32_t>& share_percents);
// split_budget over a money tranche's compartments by their shares: its own budget on load,
// and what an earlier tranche carries into it (R11).
std::vector<std::int64_t> split_over_compartments(const Tranche& tranche, std::int64_t cents);

std::string_view to_string(Ranking ranking);
std::string_view to_string(Fit fit);
std::string_view to_string(Spillover spillover);
std::string_view to_string(UniqueScope scope);

}  // namespace loket
