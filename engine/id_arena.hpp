// Append-only storage for application ids, numbered in the order they were appended (the
// allocator appends one per application record, so an id's number is its application's).
// Each id is copied into a fixed-size block behind a one-byte length and never moves, so a
// std::string_view into the arena stays valid for the allocator's lifetime.
//
// Layout: entries follow each other within a block; an entry never straddles two blocks, and
// a zero length byte (no id is empty) marks the unused end of a block. The arena keeps, for
// every group of group_entries entries, the offset of its first entry; any other is found by
// stepping over at most group_entries - 1 lengths from there. That costs a few loads where a
// record would otherwise carry a 4-byte offset of its own.
//
// With each entry the group also keeps a 4-bit tag the caller chooses (the allocator: bits of
// the id's hash), so that a caller can rule out most non-matching ids by reading the group
// alone, without stepping through the arena.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/assert.hpp"
#include "engine/huge_buffer.hpp"
#include "engine/limits.hpp"

namespace loket {

class IdArena {
 public:
  static constexpr std::size_t block_bytes = limits::id_arena_block_bytes;
  static constexpr std::size_t blocks_max = (std::size_t{1} << 32) / block_bytes;
  static constexpr std::size_t group_entries = 16;
  static constexpr std::uint8_t tag_mask = 0x0F;

  // Allocates (and touches) blocks for about this many bytes of ids, and room for this many
  // entries' groups, now, so that the hot path neither allocates nor takes page faults
  // later. Called once, before the first append. The reserved blocks are one mapping on
  // huge pages where the kernel grants them: a lookup that must compare an old id reads at a
  // random place in the arena, and on 4 KiB pages that is a TLB miss as well.
  void reserve(std::size_t entries, std::size_t id_bytes) {
    LOKET_ASSERT(entry_count_ == 0 && blocks_.empty() && spare_.empty());
    const std::size_t blocks = std::min((id_bytes + block_bytes - 1) / block_bytes, blocks_max);
    reserved_ = HugeBuffer<char>(blocks * block_bytes);
    // Last first, so that blocks are taken (from the back) in address order.
    for (std::size_t block = blocks; block > 0; --block) {
      spare_.push_back(reserved_.data() + (block - 1) * block_bytes);
    }
    blocks_.reserve(blocks);
    groups_ = HugeBuffer<Group>(entries / group_entries + 1);
  }

  // Copies an id in as the next entry, with its tag (only the low 4 bits are kept), and
  // returns the stored copy.
  std::string_view append(std::string_view text, std::uint8_t tag) {
    LOKET_ASSERT(!text.empty() && text.size() + 1 <= limits::id_arena_entry_bytes_max);
    const std::size_t entry_bytes = text.size() + 1;
    if (blocks_.empty() || used_in_last_ + entry_bytes > block_bytes) start_block();
    const std::size_t offset = (blocks_.size() - 1) * block_bytes + used_in_last_;
    char* entry = blocks_.back() + used_in_last_;
    entry[0] = static_cast<char>(text.size());
    std::memcpy(entry + 1, text.data(), text.size());
    used_in_last_ += entry_bytes;
    if (entry_count_ % group_entries == 0) add_group(offset);
    Group& group = groups_[entry_count_ / group_entries];
    const std::size_t within = entry_count_ % group_entries;
    group.tags[within / 2] |= static_cast<std::uint8_t>((tag & tag_mask) << (within % 2 * 4));
    last_offset_ = offset;
    ++entry_count_;
    return {entry + 1, text.size()};
  }

  // The tag appended with entry number `entry`.
  std::uint8_t tag(std::size_t entry) const {
    LOKET_ASSERT(entry < entry_count_);
    const std::size_t within = entry % group_entries;
    return (groups_[entry / group_entries].tags[within / 2] >> (within % 2 * 4)) & tag_mask;
  }

  // The id appended as entry number `entry`.
  std::string_view view(std::size_t entry) const {
    LOKET_ASSERT(entry < entry_count_);
    // The newest entry is the one a submission's own decision names: no steps for it.
    if (entry + 1 == entry_count_) return text_at(last_offset_);
    std::size_t offset = groups_[entry / group_entries].first_offset;
    for (std::size_t step = entry % group_entries; step > 0; --step) {
      offset += 1 + length_at(offset);
      if (offset % block_bytes != 0 && length_at(offset) == 0) {
        offset += block_bytes - offset % block_bytes;  // the rest of the block is unused
      }
    }
    return text_at(offset);
  }

  std::size_t size() const { return entry_count_; }
  std::size_t bytes_used() const {
    return reserved_.bytes_used() + extra_blocks_.size() * block_bytes + groups_.bytes_used();
  }

 private:
  struct Group {
    std::uint32_t first_offset = 0;
    std::array<std::uint8_t, group_entries / 2> tags{};  // two 4-bit tags a byte, low first
  };
  static_assert(sizeof(Group) == 12);

  // Touched once per page, not zeroed byte by byte: the faults are taken now, and under a
  // sanitizer a megabyte of byte writes per block is what made thousands of small
  // allocators slow.
  static std::unique_ptr<char[]> new_block() {
    constexpr std::size_t page_bytes = 4096;
    auto block = std::make_unique_for_overwrite<char[]>(block_bytes);
    for (std::size_t offset = 0; offset < block_bytes; offset += page_bytes) block[offset] = 0;
    return block;
  }

  void start_block() {
    LOKET_ASSERT(blocks_.size() < blocks_max);
    if (!blocks_.empty() && used_in_last_ < block_bytes) blocks_.back()[used_in_last_] = 0;
    if (spare_.empty()) {
      extra_blocks_.push_back(new_block());
      blocks_.push_back(extra_blocks_.back().get());
    } else {
      blocks_.push_back(spare_.back());
      spare_.pop_back();
    }
    used_in_last_ = 0;
  }

  // Past the reservation the groups grow like a vector (doubling), off the usual path. A new
  // group's tags start at zero (HugeBuffer is zero-filled).
  void add_group(std::size_t offset) {
    const std::size_t group = entry_count_ / group_entries;
    if (group == groups_.size()) {
      groups_ = groups_.grown(std::max<std::size_t>(16, 2 * groups_.size()));
    }
    LOKET_ASSERT(groups_[group].tags == decltype(Group::tags){});
    groups_[group].first_offset = static_cast<std::uint32_t>(offset);
  }

  std::size_t length_at(std::size_t offset) const {
    return static_cast<unsigned char>(blocks_[offset / block_bytes][offset % block_bytes]);
  }
  std::string_view text_at(std::size_t offset) const {
    const std::size_t block = offset / block_bytes;
    const std::size_t position = offset % block_bytes;
    LOKET_ASSERT(block < blocks_.size());
    const std::size_t length = length_at(offset);
    LOKET_ASSERT(length > 0 && position + 1 + length <= block_bytes);
    return {blocks_[block] + position + 1, length};
  }

  HugeBuffer<char> reserved_;                          // the reserved blocks
  std::vector<std::unique_ptr<char[]>> extra_blocks_;  // any past the reservation
  std::vector<char*> blocks_;                          // in use, in order
  std::vector<char*> spare_;                           // reserved, not yet used
  HugeBuffer<Group> groups_;                           // entries / group_entries of them
  std::size_t used_in_last_ = 0;
  std::size_t last_offset_ = 0;
  std::size_t entry_count_ = 0;
};

}  // namespace loket
