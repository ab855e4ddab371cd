#include "core/idempotency_index.hpp"

namespace loket {

std::string IdempotencyIndex::key_of(const IdempotencyTag& tag) {
  return {reinterpret_cast<const char*>(tag.key_hash.data()), tag.key_hash.size()};
}

const IdempotencyIndex::Entry* IdempotencyIndex::find(const IdempotencyTag& tag) const {
  const auto found = entries_.find(key_of(tag));
  return found == entries_.end() ? nullptr : &found->second;
}

void IdempotencyIndex::remember(const IdempotencyTag& tag,
                                std::shared_ptr<const Accepted> accepted) {
  std::string key = key_of(tag);
  if (!entries_.emplace(key, Entry{tag.request_hash, std::move(accepted)}).second) return;
  keys_in_order_.push_back(std::move(key));
  if (keys_in_order_.size() > keys_max_) {
    entries_.erase(keys_in_order_.front());
    keys_in_order_.pop_front();
  }
}

}  // namespace loket
