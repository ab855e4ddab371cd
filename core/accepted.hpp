// What an accepted command became: its place in the journal and every decision it caused.
// Owned, so that it can go to another thread to be rendered (net/replies.hpp) and be kept for
// a retry with the same Idempotency-Key; the core itself never formats it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/command.hpp"
#include "engine/crypto.hpp"
#include "engine/decision.hpp"

namespace loket {

class Accepted {
 public:
  // Copies the command's tranche and seed and the decisions with their ids.
  static std::shared_ptr<const Accepted> make(std::uint64_t sequence, TimestampNs timestamp,
                                              const Sha256Digest& record_hash,
                                              const Command& command,
                                              std::span<const Decision> decisions,
                                              std::uint64_t first_leaf_index);
  // Not copied or moved: the decisions' ids are views into ids_.
  Accepted(const Accepted&) = delete;
  Accepted& operator=(const Accepted&) = delete;

  std::uint64_t sequence = 0;
  TimestampNs timestamp = 0;
  Sha256Digest record_hash{};
  bool submission = false;  // a submit, answered with a receipt; else an operator command
  std::string tranche_id;
  std::vector<std::uint8_t> seed;  // a close's or close_day's, as journaled
  std::vector<Decision> decisions;
  std::uint64_t first_leaf_index = 0;  // decisions[i] is leaf first_leaf_index + i

 private:
  Accepted() = default;
  std::string ids_;
};

}  // namespace loket
