// R8's verifiable lottery: rank key = SHA-256(seed bytes || application id in UTF-8), sorted
// ascending, ties by sequence. Anyone holding the journaled seed can recompute the order.
#pragma once

#include <span>
#include <string_view>

#include "engine/crypto.hpp"

namespace loket {

Sha256Digest lottery_rank_key(std::span<const std::uint8_t> seed, std::string_view application_id);

}  // namespace loket
