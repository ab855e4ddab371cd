// R8's verifiable lottery.
//
// Ranking: rank key = SHA-256(seed bytes || application id in UTF-8), sorted ascending, ties
// by sequence. Anyone holding the journaled seed can recompute the order.
//
// The seed is committed before the first submission and revealed at each draw
// (docs/rules.md, R8). Per lottery tranche the server draws a fresh 32-byte nonce, derives a
// root secret
//   root = HMAC-SHA-256(lottery key, "loket-lottery-v2\0" || genesis hash || nonce || tranche id)
// and a hash chain s_0 = root, s_(k+1) = SHA-256(s_k). It journals the commitment s_draws
// with the number of draws and the nonce. The nonce makes every journal's secrets its own: two
// journals started under the same key and scheme (a rehearsal and the opening) would
// otherwise draw alike. Journals from before nonces used "loket-lottery-v1\0" and no nonce.
// Draw i (0-based: the i-th local day of the window under
// same_day_lottery, then the close as the last draw) reveals s_(draws-1-i); the seed of that
// draw is the revealed secret followed by an optional public beacon. A reveal verifies when
// i+1 applications of SHA-256 give the commitment: earlier draws' secrets follow from a later
// one, later ones never from an earlier one (that would take a preimage).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "engine/crypto.hpp"
#include "engine/scheme.hpp"

namespace loket {

Sha256Digest lottery_rank_key(std::span<const std::uint8_t> seed, std::string_view application_id);

// The number of draws a tranche can have: 0 for arrival, 1 for window_lottery, and for
// same_day_lottery one per local day its window touches plus one for the close.
std::uint32_t lottery_draws(const Scheme& scheme, const Tranche& tranche);

// The draw index of a close_day of `day` (or of the close when `day` is empty): nothing when
// the tranche does not draw or the day lies outside its window.
std::optional<std::uint32_t> lottery_draw_index(const Scheme& scheme, const Tranche& tranche,
                                                std::optional<LocalDate> day);

// The root secret of a tranche of the journal with this genesis hash, under the nonce its
// commitment journals (none: the v1 derivation of journals from before nonces).
// lottery_key: not empty.
Sha256Digest lottery_root_secret(std::span<const std::uint8_t> lottery_key,
                                 const Sha256Digest& genesis,
                                 const std::optional<Sha256Digest>& nonce,
                                 std::string_view tranche_id);

// s_draws, journaled when the tranche's journal is created. draws: 1 to lottery_draws_max.
Sha256Digest lottery_commitment(const Sha256Digest& root, std::uint32_t draws);

// s_(draws-1-draw_index), revealed at that draw. draw_index < draws.
Sha256Digest lottery_secret(const Sha256Digest& root, std::uint32_t draws,
                            std::uint32_t draw_index);

// True when `seed` begins with the secret of draw `draw_index` under `commitment`, and is no
// longer than a seed may be (the rest is the beacon).
bool lottery_seed_reveals(const Sha256Digest& commitment, std::uint32_t draw_index,
                          std::span<const std::uint8_t> seed);

// The lottery key used when none is configured: the demo and the tests. Anyone who knows it
// can compute every draw in advance, so the server refuses it off loopback.
inline constexpr std::string_view development_lottery_key = "loket-development-lottery-key";

}  // namespace loket
