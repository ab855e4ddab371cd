// What the allocator decides. One application decision each time an application's state
// changes (the last one per id is its final state), one transfer per spillover (R7) and one
// carry-over per closed tranche that passes what it has left to a later one (R11).
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/types.hpp"

namespace loket {

inline constexpr std::uint8_t no_compartment = UINT8_MAX;
inline constexpr std::uint8_t no_tranche = UINT8_MAX;

struct Decision {
  enum class Kind : std::uint8_t { application = 1, transfer = 2, carry_over = 3 };

  Kind kind = Kind::application;
  std::uint8_t tranche_index = 0;
  // Application decisions. application_id is empty when the submission carried no usable id;
  // it stays valid until the next Allocator::apply.
  std::string_view application_id;
  Outcome outcome = Outcome::rejected;
  Reason reason = Reason::none;
  Field field = Field::none;                        // with Reason::invalid
  std::uint8_t compartment_index = no_compartment;  // only for named compartments
  std::int64_t granted_cents = 0;                   // cumulative; 0 for places tranches
  // Transfer decisions (within tranche_index), and carry-overs (from tranche_index to
  // to_tranche): amount_cents is money, or for a carry-over between places tranches, places.
  std::uint8_t from_compartment = no_compartment;
  std::uint8_t to_compartment = no_compartment;
  std::uint8_t to_tranche = no_tranche;
  std::int64_t amount_cents = 0;
};

}  // namespace loket
