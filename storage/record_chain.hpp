// What the record encoder and decoder share: the hash that links each record to the one
// before it (sealed by the encoder, checked by the decoder). Internal to storage/.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/crypto.hpp"

namespace loket {

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// SHA-256(previous_hash || body): body is the record's bytes up to its previous_hash field.
inline Sha256Digest chain_hash(const Sha256Digest& previous_hash,
                               std::span<const std::uint8_t> body) {
  // One buffer per thread, reused: hashing runs for every record written and read.
  thread_local std::vector<std::uint8_t> message;
  message.assign(previous_hash.begin(), previous_hash.end());
  message.insert(message.end(), body.begin(), body.end());
  return sha256(message);
}

}  // namespace loket
