// R8's committed lottery seeds: the commitment before the first submission, and the check
// that each draw reveals the committed secret (engine/lottery.hpp).
#include <algorithm>
#include <numeric>

#include "engine/allocator_core.hpp"
#include "engine/assert.hpp"
#include "engine/limits.hpp"
#include "engine/lottery.hpp"

namespace loket {

Refusal AllocatorCore::commit_seed(const CommitSeedCommand& command) {
  const std::optional<std::size_t> index = scheme_.find_tranche(command.tranche_id);
  if (!index) return Refusal::unknown_tranche;
  const Tranche& tranche = scheme_.tranches[*index];
  TrancheState& state = tranches_[*index];
  if (state.closed) return Refusal::tranche_closed;
  const std::uint32_t draws = lottery_draws(scheme_, tranche);
  if (draws == 0 || command.draws != draws || state.seed_commitment) {
    return Refusal::seed_commitment_invalid;
  }
  // Once a client has been answered, a commitment could be chosen knowing what it sent.
  const auto& counts = state.applications_by_outcome;
  if (std::accumulate(counts.begin(), counts.end(), std::uint64_t{0}) != 0) {
    return Refusal::seed_commitment_late;
  }
  state.seed_commitment = SeedCommitment{command.commitment, command.draws, command.nonce};
  LOKET_ASSERT(state.pending.empty());
  return Refusal::none;
}

// A draw of a tranche without a commitment takes the seed as given (journals and event files
// from before commitments, and what-if runs). With one, the seed must begin with the secret
// of exactly this draw. Either way no seed is longer than a rank key takes (a journal's
// record could hold more).
Refusal AllocatorCore::check_seed(std::size_t tranche, std::optional<LocalDate> day,
                                  std::span<const std::uint8_t> seed) const {
  LOKET_ASSERT(tranche < tranches_.size());
  if (seed.size() > limits::seed_bytes_max) return Refusal::seed_invalid;
  const std::optional<SeedCommitment>& committed = tranches_[tranche].seed_commitment;
  if (!committed) return Refusal::none;
  const std::optional<std::uint32_t> draw =
      lottery_draw_index(scheme_, scheme_.tranches[tranche], day);
  if (!draw) return Refusal::day_outside_window;
  LOKET_ASSERT(*draw < committed->draws);
  if (!lottery_seed_reveals(committed->commitment, *draw, seed)) return Refusal::seed_invalid;
  return Refusal::none;
}

}  // namespace loket
