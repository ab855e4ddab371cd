#include "engine/lottery.hpp"

#include <cstring>

#include "engine/assert.hpp"
#include "engine/civil_time.hpp"
#include "engine/limits.hpp"

namespace loket {
namespace {

// H^steps(value); at most lottery_draws_max steps.
Sha256Digest hash_chain(Sha256Digest value, std::uint32_t steps) {
  LOKET_ASSERT(steps <= limits::lottery_draws_max);
  for (std::uint32_t step = 0; step < steps; ++step) value = sha256(value);
  return value;
}

// The local days a tranche's window touches: from the day of opens_at to the day of the last
// instant before closes_at.
struct WindowDays {
  LocalDate first = 0;
  LocalDate last = 0;
};

WindowDays window_days(const Scheme& scheme, const Tranche& tranche) {
  LOKET_ASSERT(tranche.closes_at > tranche.opens_at);
  const WindowDays days{local_date(tranche.opens_at, scheme.time_zone),
                        local_date(tranche.closes_at - 1, scheme.time_zone)};
  LOKET_ASSERT(days.first <= days.last);
  return days;
}

}  // namespace

Sha256Digest lottery_rank_key(std::span<const std::uint8_t> seed, std::string_view application_id) {
  LOKET_ASSERT(!seed.empty() && seed.size() <= limits::seed_bytes_max);
  LOKET_ASSERT(application_id.size() <= limits::application_id_bytes_max);
  std::uint8_t message[limits::seed_bytes_max + limits::application_id_bytes_max];
  std::memcpy(message, seed.data(), seed.size());
  std::memcpy(message + seed.size(), application_id.data(), application_id.size());
  return sha256({message, seed.size() + application_id.size()});
}

std::uint32_t lottery_draws(const Scheme& scheme, const Tranche& tranche) {
  switch (tranche.ranking) {
    case Ranking::arrival:
      return 0;
    case Ranking::window_lottery:
      return 1;
    case Ranking::same_day_lottery:
      break;
  }
  const WindowDays days = window_days(scheme, tranche);
  const auto draws = static_cast<std::uint32_t>(days.last - days.first + 2);
  LOKET_ASSERT(draws >= 2 && draws <= limits::lottery_draws_max);
  return draws;
}

std::optional<std::uint32_t> lottery_draw_index(const Scheme& scheme, const Tranche& tranche,
                                                std::optional<LocalDate> day) {
  const std::uint32_t draws = lottery_draws(scheme, tranche);
  if (draws == 0) return std::nullopt;
  if (!day) return draws - 1;
  if (tranche.ranking != Ranking::same_day_lottery) return std::nullopt;
  const WindowDays days = window_days(scheme, tranche);
  if (*day < days.first || *day > days.last) return std::nullopt;
  const auto index = static_cast<std::uint32_t>(*day - days.first);
  LOKET_ASSERT(index + 1 < draws);
  return index;
}

Sha256Digest lottery_root_secret(std::span<const std::uint8_t> lottery_key,
                                 const Sha256Digest& genesis,
                                 const std::optional<Sha256Digest>& nonce,
                                 std::string_view tranche_id) {
  LOKET_ASSERT(!lottery_key.empty());
  LOKET_ASSERT(tranche_id.size() <= limits::identifier_bytes_max);
  // A domain of its own: the same key used elsewhere gives unrelated values. The version
  // names the message's layout, so a v1 and a v2 message never share a value.
  constexpr std::string_view domain_v1{"loket-lottery-v1\0", 17};
  constexpr std::string_view domain_v2{"loket-lottery-v2\0", 17};
  const std::string_view domain = nonce ? domain_v2 : domain_v1;
  std::vector<std::uint8_t> message(domain.begin(), domain.end());
  message.insert(message.end(), genesis.begin(), genesis.end());
  if (nonce) message.insert(message.end(), nonce->begin(), nonce->end());
  message.insert(message.end(), tranche_id.begin(), tranche_id.end());
  return hmac_sha256(lottery_key, message);
}

Sha256Digest lottery_commitment(const Sha256Digest& root, std::uint32_t draws) {
  LOKET_ASSERT(draws >= 1 && draws <= limits::lottery_draws_max);
  return hash_chain(root, draws);
}

Sha256Digest lottery_secret(const Sha256Digest& root, std::uint32_t draws,
                            std::uint32_t draw_index) {
  LOKET_ASSERT(draws <= limits::lottery_draws_max);
  LOKET_ASSERT(draw_index < draws);
  return hash_chain(root, draws - 1 - draw_index);
}

bool lottery_seed_reveals(const Sha256Digest& commitment, std::uint32_t draw_index,
                          std::span<const std::uint8_t> seed) {
  if (seed.size() < limits::lottery_secret_bytes || seed.size() > limits::seed_bytes_max ||
      draw_index >= limits::lottery_draws_max) {
    return false;
  }
  Sha256Digest revealed{};
  std::memcpy(revealed.data(), seed.data(), revealed.size());
  return hash_chain(revealed, draw_index + 1) == commitment;
}

}  // namespace loket
