// Where a request's header fields live. Beast's parser allocates one block per field; on an
// I/O thread that parses tens of thousands of requests a second, those blocks come from a
// free list of this thread's instead of malloc: a field freed is reused by the next request's
// field of a similar size. Internal to net/.
#pragma once

#include <boost/beast/http/fields.hpp>
#include <cstddef>

namespace loket {

namespace field_pool {
// A block of at least `bytes`, aligned as operator new aligns; from this thread's free list
// when it holds one of the size class.
void* allocate(std::size_t bytes);
// Back to this thread's free list (whichever thread took it), or to the heap when the list
// is full or the block was too large for any class.
void deallocate(void* block, std::size_t bytes) noexcept;
}  // namespace field_pool

template <class T>
class FieldPoolAllocator {
 public:
  using value_type = T;
  FieldPoolAllocator() noexcept = default;
  template <class U>
  FieldPoolAllocator(const FieldPoolAllocator<U>&) noexcept {}  // NOLINT: rebinding converts
  T* allocate(std::size_t count) {
    return static_cast<T*>(field_pool::allocate(count * sizeof(T)));
  }
  void deallocate(T* block, std::size_t count) noexcept {
    field_pool::deallocate(block, count * sizeof(T));
  }
  template <class U>
  bool operator==(const FieldPoolAllocator<U>&) const noexcept {
    return true;  // stateless: any may free what another took
  }
};

using RequestFields = boost::beast::http::basic_fields<FieldPoolAllocator<char>>;

}  // namespace loket
