#include "net/field_pool.hpp"

#include <array>
#include <new>
#include <utility>

namespace loket::field_pool {
namespace {

// Size classes of 64 bytes up to 512: a field's name and value with Beast's bookkeeping fit
// the first few; a longer one (up to the header limit) goes to the heap.
constexpr std::size_t class_bytes = 64;
constexpr std::size_t classes_count = 8;
// Blocks kept per class and thread: a few requests' worth of fields per connection that one
// round of handlers parses; at most 8 x 256 x 512 bytes = 1 MiB a thread.
constexpr std::size_t kept_per_class_max = 256;

struct FreeBlock {
  FreeBlock* next;
};

struct FreeLists {
  std::array<FreeBlock*, classes_count> heads{};
  std::array<std::size_t, classes_count> counts{};
  ~FreeLists() {
    for (FreeBlock* head : heads) {
      while (head != nullptr) ::operator delete(std::exchange(head, head->next));
    }
  }
};

thread_local FreeLists free_lists;

// The class index for `bytes`, or classes_count when it is too large for every class.
std::size_t class_of(std::size_t bytes) {
  const std::size_t index = bytes == 0 ? 0 : (bytes - 1) / class_bytes;
  return index < classes_count ? index : classes_count;
}

}  // namespace

void* allocate(std::size_t bytes) {
  const std::size_t index = class_of(bytes);
  if (index == classes_count) return ::operator new(bytes);
  FreeBlock*& head = free_lists.heads[index];
  if (head == nullptr) return ::operator new((index + 1) * class_bytes);
  --free_lists.counts[index];
  return std::exchange(head, head->next);
}

void deallocate(void* block, std::size_t bytes) noexcept {
  const std::size_t index = class_of(bytes);
  if (index == classes_count || free_lists.counts[index] == kept_per_class_max) {
    return ::operator delete(block);
  }
  free_lists.heads[index] = new (block) FreeBlock{free_lists.heads[index]};
  ++free_lists.counts[index];
}

}  // namespace loket::field_pool
