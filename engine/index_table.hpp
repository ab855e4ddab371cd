// An open-addressing hash index from a caller's key to a 32-bit record index, with linear
// probing and backward-shift deletion. It stores only (hash, index) pairs, 8 bytes a slot;
// the keys live in the caller's records and are compared through a callback, so one table
// type serves both application ids and participant keys without copying either.
#pragma once

#include <cstdint>

#include "engine/assert.hpp"
#include "engine/huge_buffer.hpp"

namespace loket {

class IndexTable {
 public:
  static constexpr std::uint32_t not_found = UINT32_MAX;

  explicit IndexTable(std::size_t expected_entries) { rehash(capacity_for(expected_entries)); }

  std::size_t size() const { return size_; }
  std::size_t bytes_used() const { return slots_.bytes_used(); }

  // Returns the index whose key matches (matches(index) is true), or not_found.
  template <typename Matches>
  std::uint32_t find(std::uint32_t hash, Matches&& matches) const {
    for (std::size_t slot = hash & mask_;; slot = (slot + 1) & mask_) {
      const Slot& entry = slots_[slot];
      if (entry.index_plus_one == 0) return not_found;
      if (entry.hash == hash && matches(entry.index_plus_one - 1)) return entry.index_plus_one - 1;
    }
  }

  // Starts loading the slot a lookup of `hash` begins at, so that a lookup a few commands
  // later finds it in cache. Changes nothing.
  void prefetch(std::uint32_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

  // Inserts an index whose key is known to be absent.
  void insert(std::uint32_t hash, std::uint32_t index) {
    LOKET_ASSERT(index != not_found);
    if ((size_ + 1) * load_denominator > slots_.size() * load_numerator) {
      rehash(slots_.size() * 2);
    }
    place(Slot{hash, index + 1});
    ++size_;
  }

  // Removes the entry for index, which must be present under hash.
  void erase(std::uint32_t hash, std::uint32_t index) {
    std::size_t hole = hash & mask_;
    while (slots_[hole].index_plus_one != index + 1) {
      LOKET_ASSERT(slots_[hole].index_plus_one != 0);
      hole = (hole + 1) & mask_;
    }
    // Shift later members of the probe run back so that no lookup stops early at the hole.
    for (std::size_t next = (hole + 1) & mask_; slots_[next].index_plus_one != 0;
         next = (next + 1) & mask_) {
      const std::size_t home = slots_[next].hash & mask_;
      const bool movable = ((next - home) & mask_) >= ((next - hole) & mask_);
      if (movable) {
        slots_[hole] = slots_[next];
        hole = next;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t index_plus_one = 0;  // 0 marks an empty slot
  };
  // Linear probing stays short below a load of 7/10.
  static constexpr std::size_t load_numerator = 7;
  static constexpr std::size_t load_denominator = 10;

  static std::size_t capacity_for(std::size_t entries) {
    std::size_t capacity = 16;
    while (capacity * load_numerator < entries * load_denominator) capacity *= 2;
    return capacity;
  }

  void place(Slot entry) {
    std::size_t slot = entry.hash & mask_;
    while (slots_[slot].index_plus_one != 0) slot = (slot + 1) & mask_;
    slots_[slot] = entry;
  }

  void rehash(std::size_t capacity) {
    LOKET_ASSERT((capacity & (capacity - 1)) == 0);
    HugeBuffer<Slot> old = std::move(slots_);
    slots_ = HugeBuffer<Slot>(capacity);  // zero-filled: every slot empty
    mask_ = capacity - 1;
    for (std::size_t slot = 0; slot < old.size(); ++slot) {
      if (old[slot].index_plus_one != 0) place(old[slot]);
    }
  }

  HugeBuffer<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace loket
