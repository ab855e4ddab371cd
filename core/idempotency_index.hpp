// The Idempotency-Keys the journal holds, the most recent first to stay: a retry of a
// request gets what the original got, once that is durable; the same key with another
// request is refused. Rebuilt from the journal at recovery, in the same pass as replay.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/accepted.hpp"
#include "storage/record.hpp"

namespace loket {

class IdempotencyIndex {
 public:
  // keys_max: how many keys are remembered; a retry after this many later keys is new.
  explicit IdempotencyIndex(std::size_t keys_max) : keys_max_(keys_max) {}

  struct Entry {
    Sha256Digest request_hash{};
    std::shared_ptr<const Accepted> accepted;
  };
  // The entry for the tag's key, if it is remembered (its request may differ: the caller
  // compares request_hash).
  const Entry* find(const IdempotencyTag& tag) const;
  // Remembers the first answer to a key; a key already known keeps its first answer.
  void remember(const IdempotencyTag& tag, std::shared_ptr<const Accepted> accepted);
  std::size_t size() const { return entries_.size(); }
  std::size_t keys_max() const { return keys_max_; }

 private:
  static std::string key_of(const IdempotencyTag& tag);

  std::size_t keys_max_;
  std::unordered_map<std::string, Entry> entries_;  // by IdempotencyTag::key_hash
  std::deque<std::string> keys_in_order_;           // oldest first, for the bound
};

}  // namespace loket
