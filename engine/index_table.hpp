// An open-addressing hash index from a caller's key to a 32-bit record index, with linear
// probing and backward-shift deletion. A slot is 4 bytes: the record index plus the low bits
// of the key's hash (a tag), so that a probe past another key seldom has to look at that
// key's record. The tag takes the bits the index does not need: 8 for a table of up to
// 16.7 million indexes, fewer (at least 5) as indexes grow. The keys live in the caller's records
// and are compared through a callback, so one table type serves both application ids and
// participant keys without copying either; where the table must know an entry's whole hash again
// (erasing, growing), the caller recomputes it from the record through a second callback.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

#include "engine/assert.hpp"
#include "engine/huge_buffer.hpp"
#include "engine/limits.hpp"

namespace loket {

class IndexTable {
 public:
  static constexpr std::uint32_t not_found = UINT32_MAX;

  explicit IndexTable(std::size_t expected_entries) {
    const auto index_bits = static_cast<unsigned>(std::bit_width(expected_entries + 1));
    set_tag_bits(std::clamp(32 - std::min(index_bits, 32u), tag_bits_min, tag_bits_max));
    rehash(capacity_for(expected_entries));
  }

  std::size_t size() const { return size_; }
  std::size_t bytes_used() const { return slots_.bytes_used(); }

  // What a lookup found: the index whose key matches, or not_found and the empty slot the
  // probe stopped at, where insert_at puts a new entry without probing again.
  struct Lookup {
    std::uint32_t index = not_found;
    std::uint32_t hash = 0;
    std::size_t empty_slot = 0;
    std::uint64_t changes = 0;  // the table's change count when it was made
  };

  // Returns the index whose key matches (matches(index) is true), or not_found.
  template <typename Matches>
  std::uint32_t find(std::uint32_t hash, Matches&& matches) const {
    return lookup(hash, matches).index;
  }
  template <typename Matches>
  Lookup lookup(std::uint32_t hash, Matches&& matches) const {
    const std::uint32_t tag = tag_of(hash);
    for (std::size_t slot = home_of(hash);; slot = next_of(slot)) {
      const std::uint32_t entry = slots_[slot];
      if (entry == 0) return Lookup{not_found, hash, slot, changes_};
      if ((entry & tag_mask_) == tag && matches(index_of(entry))) {
        return Lookup{index_of(entry), hash, slot, changes_};
      }
    }
  }

  // Starts loading the slot a lookup of `hash` begins at, so that a lookup a few commands
  // later finds it in cache. Changes nothing. (Loading the next cache line as well, for the
  // probe runs that go on past it, was measured no faster: it adds memory traffic.)
  void prefetch(std::uint32_t hash) const { __builtin_prefetch(&slots_[home_of(hash)]); }

  // Inserts an index whose key is known to be absent. hash_of(index) gives the hash of any
  // index in the table; it is called only when the table grows.
  template <typename HashOf>
  void insert(std::uint32_t hash, std::uint32_t index, HashOf&& hash_of) {
    make_room_for(index);
    if ((size_ + 1) * load_denominator > capacity_ * load_numerator) {
      rehash(capacity_ * 2, hash_of);
    }
    place(hash, index);
    ++size_;
    ++changes_;
  }

  // Inserts an index under the hash of a lookup that found nothing, made since the table
  // last changed: the slot it stopped at is still where a probe for that hash ends.
  template <typename HashOf>
  void insert_at(const Lookup& found, std::uint32_t index, HashOf&& hash_of) {
    LOKET_ASSERT(found.index == not_found && found.changes == changes_);
    LOKET_ASSERT(slots_[found.empty_slot] == 0);
    if ((size_ + 1) * load_denominator > capacity_ * load_numerator) {
      insert(found.hash, index, hash_of);
      return;
    }
    make_room_for(index);
    slots_[found.empty_slot] = entry_of(found.hash, index);
    ++size_;
    ++changes_;
  }

  // Removes the entry for index, which must be present under hash. hash_of as for insert;
  // here it is called for the entries after the removed one in its probe run.
  template <typename HashOf>
  void erase(std::uint32_t hash, std::uint32_t index, HashOf&& hash_of) {
    std::size_t hole = home_of(hash);
    while (slots_[hole] == 0 || index_of(slots_[hole]) != index) {
      LOKET_ASSERT(slots_[hole] != 0);
      hole = next_of(hole);
    }
    // Shift later members of the probe run back so that no lookup stops early at the hole.
    for (std::size_t next = next_of(hole); slots_[next] != 0; next = next_of(next)) {
      const std::size_t home = home_of(hash_of(index_of(slots_[next])));
      if (distance(home, next) >= distance(hole, next)) {
        slots_[hole] = slots_[next];
        hole = next;
      }
    }
    slots_[hole] = 0;
    --size_;
    ++changes_;
  }

 private:
  // A slot holds (index + 1) << tag_bits_ | tag; 0 marks an empty slot. The index takes the
  // upper bits, so applications_max bounds how few tag bits there may be. More than 8 would
  // add little: of a table of millions, the hash bits above the low 8 or so mostly tell
  // where a key's home slot is, and the keys a probe passes have homes near its own.
  static constexpr unsigned tag_bits_min = 5;
  static constexpr unsigned tag_bits_max = 8;
  static_assert(limits::applications_max < (UINT32_MAX >> tag_bits_min) - 1);

  void set_tag_bits(unsigned bits) {
    LOKET_ASSERT(bits >= tag_bits_min && bits <= tag_bits_max);
    tag_bits_ = bits;
    tag_mask_ = (1u << bits) - 1;
    index_limit_ = (UINT32_MAX >> bits) - 1;
  }

  // An index past what the slots hold takes a tag bit: every entry drops its tag's top bit,
  // which leaves every slot where it is (homes do not depend on the tag).
  void make_room_for(std::uint32_t index) {
    while (index >= index_limit_) {
      LOKET_ASSERT(tag_bits_ > tag_bits_min);
      const unsigned old_bits = tag_bits_;
      set_tag_bits(tag_bits_ - 1);
      for (std::size_t slot = 0; slot < capacity_; ++slot) {
        const std::uint32_t entry = slots_[slot];
        if (entry == 0) continue;
        slots_[slot] = ((entry >> old_bits) << tag_bits_) | (entry & tag_mask_);
      }
    }
  }
  // Linear probing stays short enough at a load of 4/5 because a probe past a slot compares
  // its tag, in the same cache line, and only a tag match reads a record. Capacities are not
  // powers of two, so the table is no larger than this load asks for.
  static constexpr std::size_t load_numerator = 4;
  static constexpr std::size_t load_denominator = 5;
  static constexpr std::size_t slots_per_cache_line = 16;

  static std::size_t capacity_for(std::size_t entries) {
    const std::size_t needed = (entries * load_denominator + load_numerator - 1) / load_numerator;
    const std::size_t lines = (needed + slots_per_cache_line - 1) / slots_per_cache_line;
    return std::max<std::size_t>(lines, 1) * slots_per_cache_line;
  }

  // The tag comes from the hash's low bits and the home slot from its high bits (a
  // multiply-shift onto [0, capacity)), so the two are independent.
  std::uint32_t tag_of(std::uint32_t hash) const { return hash & tag_mask_; }
  std::uint32_t index_of(std::uint32_t entry) const { return (entry >> tag_bits_) - 1; }
  std::uint32_t entry_of(std::uint32_t hash, std::uint32_t index) const {
    return (index + 1) << tag_bits_ | tag_of(hash);
  }
  std::size_t home_of(std::uint32_t hash) const {
    return static_cast<std::size_t>((std::uint64_t{hash} * capacity_) >> 32);
  }
  std::size_t next_of(std::size_t slot) const { return slot + 1 == capacity_ ? 0 : slot + 1; }
  // Steps from slot `from` forward to slot `to`, around the end.
  std::size_t distance(std::size_t from, std::size_t to) const {
    return to >= from ? to - from : to + capacity_ - from;
  }

  void place(std::uint32_t hash, std::uint32_t index) {
    std::size_t slot = home_of(hash);
    while (slots_[slot] != 0) slot = next_of(slot);
    slots_[slot] = entry_of(hash, index);
  }

  // Only the constructor calls this without hash_of: the table is still empty.
  void rehash(std::size_t capacity) {
    LOKET_ASSERT(size_ == 0 && capacity <= UINT32_MAX);
    slots_ = HugeBuffer<std::uint32_t>(capacity);  // zero-filled: every slot empty
    capacity_ = capacity;
  }
  template <typename HashOf>
  void rehash(std::size_t capacity, HashOf& hash_of) {
    LOKET_ASSERT(capacity > capacity_ && capacity <= UINT32_MAX);
    HugeBuffer<std::uint32_t> old = std::move(slots_);
    slots_ = HugeBuffer<std::uint32_t>(capacity);
    capacity_ = capacity;
    for (std::size_t slot = 0; slot < old.size(); ++slot) {
      if (old[slot] != 0) place(hash_of(index_of(old[slot])), index_of(old[slot]));
    }
  }

  HugeBuffer<std::uint32_t> slots_;
  unsigned tag_bits_ = tag_bits_min;
  std::uint32_t tag_mask_ = 0;
  std::uint32_t index_limit_ = 0;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::uint64_t changes_ = 0;  // inserts and erases so far, to check insert_at's lookup
};

}  // namespace loket
