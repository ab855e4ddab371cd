// R8 on the server: the lottery secrets of one journal, derived from the lottery key and the
// nonce each commitment journals (engine/lottery.hpp), and the seed each draw gets. Nothing
// secret is stored: after a restart the same key and journal give the same secrets.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "engine/allocator.hpp"
#include "engine/crypto.hpp"

namespace loket {

// Why an operator's close cannot draw as asked (the edge says it in its own terms).
enum class SeedRefusal : std::uint8_t {
  no_lottery,      // a beacon for a tranche that ranks by arrival
  seed_committed,  // an operator's own seed for a tranche whose seed was committed
};

class LotterySeeds {
 public:
  // lottery_key: not empty. scheme_text: the journal's, whose genesis hash the secrets bind.
  LotterySeeds(std::span<const std::uint8_t> lottery_key, std::string_view scheme_text);

  // The commitment for every lottery tranche that has none yet, each under a fresh random
  // nonce; the allocator refuses those that already have submissions or are closed.
  std::vector<CommitSeedCommand> commitments(const Allocator& allocator) const;

  // Ok when every commitment the allocator holds was made with this key; otherwise an invalid
  // argument that names the tranche whose was not.
  Status check_key(const Allocator& allocator) const;

  // Sets `seed` for a close (day empty) or close_day of the tranche. A committed tranche gets
  // the secret of this draw, then the beacon; `seed` must come in empty, since an operator's
  // own seed is refused (seed_committed). An uncommitted lottery tranche (a journal from
  // before commitments) keeps the given seed, or else takes head_hash, then the beacon. An
  // arrival tranche keeps the given seed and refuses a beacon (no_lottery). A day outside
  // a committed window, or an unknown tranche, gets no seed: the allocator refuses it.
  std::optional<SeedRefusal> choose(const Allocator& allocator, const Sha256Digest& head_hash,
                                    std::string_view tranche_id, std::optional<LocalDate> day,
                                    std::span<const std::uint8_t> beacon,
                                    std::vector<std::uint8_t>& seed) const;

 private:
  // The root secret of a tranche under the commitment the allocator holds for it.
  Sha256Digest committed_root(const Allocator& allocator, std::size_t tranche_index) const;

  std::vector<std::uint8_t> lottery_key_;
  Sha256Digest genesis_{};
};

}  // namespace loket
