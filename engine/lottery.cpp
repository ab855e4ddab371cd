#include "engine/lottery.hpp"

#include <cstring>

#include "engine/assert.hpp"
#include "engine/limits.hpp"

namespace loket {

Sha256Digest lottery_rank_key(std::span<const std::uint8_t> seed, std::string_view application_id) {
  LOKET_ASSERT(!seed.empty() && seed.size() <= limits::seed_bytes_max);
  LOKET_ASSERT(application_id.size() <= limits::application_id_bytes_max);
  std::uint8_t message[limits::seed_bytes_max + limits::application_id_bytes_max];
  std::memcpy(message, seed.data(), seed.size());
  std::memcpy(message + seed.size(), application_id.data(), application_id.size());
  return sha256({message, seed.size() + application_id.size()});
}

}  // namespace loket
