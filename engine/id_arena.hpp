// Append-only storage for application ids. Ids are copied into fixed-size blocks and never
// move, so a std::string_view into the arena stays valid for the allocator's lifetime.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/assert.hpp"
#include "engine/limits.hpp"

namespace loket {

class IdArena {
 public:
  static constexpr std::size_t block_bytes = limits::id_arena_block_bytes;
  static constexpr std::size_t blocks_max = (std::size_t{1} << 32) / block_bytes;

  // Allocates (and touches) blocks for about this many bytes now, so that the hot path does
  // not take page faults later.
  void reserve(std::size_t bytes) {
    while (spare_.size() * block_bytes < bytes && spare_.size() + blocks_.size() < blocks_max) {
      spare_.push_back(new_block());
    }
    blocks_.reserve(blocks_.size() + spare_.size());
  }

  // Copies text in and returns its offset. An id never straddles two blocks.
  std::uint32_t append(std::string_view text) {
    LOKET_ASSERT(text.size() <= limits::id_arena_entry_bytes_max);
    if (blocks_.empty() || used_in_last_ + text.size() > block_bytes) {
      LOKET_ASSERT(blocks_.size() < blocks_max);
      if (spare_.empty()) {
        blocks_.push_back(new_block());
      } else {
        blocks_.push_back(std::move(spare_.back()));
        spare_.pop_back();
      }
      used_in_last_ = 0;
    }
    const std::size_t offset = (blocks_.size() - 1) * block_bytes + used_in_last_;
    std::memcpy(blocks_.back().get() + used_in_last_, text.data(), text.size());
    used_in_last_ += text.size();
    return static_cast<std::uint32_t>(offset);
  }

  std::string_view view(std::uint32_t offset, std::size_t length) const {
    const std::size_t block = offset / block_bytes;
    const std::size_t position = offset % block_bytes;
    LOKET_ASSERT(block < blocks_.size() && position + length <= block_bytes);
    return {blocks_[block].get() + position, length};
  }

  std::size_t bytes_used() const { return (blocks_.size() + spare_.size()) * block_bytes; }

 private:
  // Touched once per page, not zeroed byte by byte: the faults are taken now, and under a
  // sanitizer a megabyte of byte writes per block is what made thousands of small
  // allocators slow.
  static std::unique_ptr<char[]> new_block() {
    constexpr std::size_t page_bytes = 4096;
    auto block = std::make_unique_for_overwrite<char[]>(block_bytes);
    for (std::size_t offset = 0; offset < block_bytes; offset += page_bytes) block[offset] = 0;
    return block;
  }

  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> spare_;  // reserved, not yet used
  std::size_t used_in_last_ = 0;
};

}  // namespace loket
