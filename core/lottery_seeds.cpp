#include "core/lottery_seeds.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include "engine/assert.hpp"
#include "engine/limits.hpp"
#include "engine/lottery.hpp"
#include "storage/record.hpp"

namespace loket {
namespace {

// A nonce from the operating system's generator. Failing to get one is a broken machine, not
// bad input, and a predictable nonce would reopen the hole the nonce closes.
Sha256Digest random_digest() {
  Sha256Digest digest{};
  const int drawn = RAND_bytes(digest.data(), static_cast<int>(digest.size()));
  LOKET_ASSERT(drawn == 1);
  return digest;
}

}  // namespace

LotterySeeds::LotterySeeds(std::span<const std::uint8_t> lottery_key, std::string_view scheme_text)
    : lottery_key_(lottery_key.begin(), lottery_key.end()), genesis_(genesis_hash(scheme_text)) {
  LOKET_ASSERT(!lottery_key_.empty());
}

Sha256Digest LotterySeeds::committed_root(const Allocator& allocator,
                                          std::size_t tranche_index) const {
  const TrancheStatus status = allocator.tranche_status(tranche_index);
  LOKET_ASSERT(status.seed_commitment.has_value());
  return lottery_root_secret(lottery_key_, genesis_, status.seed_nonce,
                             allocator.scheme().tranches[tranche_index].id);
}

std::vector<CommitSeedCommand> LotterySeeds::commitments(const Allocator& allocator) const {
  const Scheme& scheme = allocator.scheme();
  std::vector<CommitSeedCommand> commands;
  for (std::size_t index = 0; index < scheme.tranches.size(); ++index) {
    const Tranche& tranche = scheme.tranches[index];
    const std::uint32_t draws = lottery_draws(scheme, tranche);
    if (draws == 0 || allocator.tranche_status(index).seed_commitment) continue;
    const Sha256Digest nonce = random_digest();
    const Sha256Digest root = lottery_root_secret(lottery_key_, genesis_, nonce, tranche.id);
    commands.push_back({tranche.id, lottery_commitment(root, draws), draws, nonce});
  }
  return commands;
}

Status LotterySeeds::check_key(const Allocator& allocator) const {
  const Scheme& scheme = allocator.scheme();
  for (std::size_t index = 0; index < scheme.tranches.size(); ++index) {
    const TrancheStatus status = allocator.tranche_status(index);
    if (!status.seed_commitment) continue;
    if (lottery_commitment(committed_root(allocator, index), status.seed_draws) !=
        *status.seed_commitment) {
      return Status::invalid_argument(
          fmt::format("tranche {}: its lottery seed was committed with another lottery key",
                      scheme.tranches[index].id));
    }
  }
  return Status::ok();
}

std::optional<SeedRefusal> LotterySeeds::choose(const Allocator& allocator,
                                                const Sha256Digest& head_hash,
                                                std::string_view tranche_id,
                                                std::optional<LocalDate> day,
                                                std::span<const std::uint8_t> beacon,
                                                std::vector<std::uint8_t>& seed) const {
  const Scheme& scheme = allocator.scheme();
  const std::optional<std::size_t> index = scheme.find_tranche(tranche_id);
  if (!index) return std::nullopt;
  const Tranche& tranche = scheme.tranches[*index];
  if (tranche.ranking == Ranking::arrival) {
    if (beacon.empty()) return std::nullopt;
    return SeedRefusal::no_lottery;
  }
  const TrancheStatus status = allocator.tranche_status(*index);
  if (status.seed_commitment) {
    if (!seed.empty()) {
      return SeedRefusal::seed_committed;
    }
    const std::optional<std::uint32_t> draw = lottery_draw_index(scheme, tranche, day);
    if (!draw) return std::nullopt;
    const Sha256Digest secret =
        lottery_secret(committed_root(allocator, *index), status.seed_draws, *draw);
    seed.assign(secret.begin(), secret.end());
  } else if (seed.empty()) {
    // Weaker, and kept only for journals from before commitments: every portal has just
    // seen the head hash in its receipts (docs/rules.md, R8).
    seed.assign(head_hash.begin(), head_hash.end());
  }
  seed.insert(seed.end(), beacon.begin(), beacon.end());
  LOKET_ASSERT(seed.size() <= limits::seed_bytes_max);
  return std::nullopt;
}

}  // namespace loket
