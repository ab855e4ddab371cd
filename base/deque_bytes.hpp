// The heap bytes a std::deque holds, for memory figures: libstdc++ stores its elements in
// 512-byte blocks (one element per block when larger), each with a pointer in the map.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>

namespace loket {

template <typename T>
std::size_t deque_bytes(const std::deque<T>& deque) {
  constexpr std::size_t block_bytes = std::max<std::size_t>(512, sizeof(T));
  constexpr std::size_t per_block = block_bytes / sizeof(T);
  const std::size_t blocks = deque.size() / per_block + 1;
  return blocks * (block_bytes + sizeof(void*));
}

}  // namespace loket
