// A fixed-size, zero-filled array of trivially copyable elements in memory the kernel may back
// with 2 MiB pages, touched at construction. The allocator's tables are probed at random; on
// 4 KiB pages every probe into a large table also misses the TLB. Construction is the only
// place it faults pages in, so the hot path takes no page faults.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#include "engine/assert.hpp"

namespace loket {

template <typename T>
class HugeBuffer {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  static constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

  HugeBuffer() = default;
  explicit HugeBuffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    const std::size_t bytes = count * sizeof(T);
    mapped_bytes_ = bytes + huge_page_bytes;
    mapped_ =
        ::mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped_ == MAP_FAILED) throw std::bad_alloc();
    const auto address = reinterpret_cast<std::uintptr_t>(mapped_);
    const std::uintptr_t aligned = (address + huge_page_bytes - 1) & ~(huge_page_bytes - 1);
    data_ = reinterpret_cast<T*>(aligned);
    // Advice only: where the kernel has no huge pages, the buffer still works on small ones.
    ::madvise(data_, bytes, MADV_HUGEPAGE);
    auto* bytes_begin = reinterpret_cast<volatile char*>(data_);
    for (std::size_t offset = 0; offset < bytes; offset += 4096) bytes_begin[offset] = 0;
    LOKET_ASSERT(reinterpret_cast<std::uintptr_t>(data_) % alignof(T) == 0);
  }
  ~HugeBuffer() {
    if (mapped_ != nullptr) ::munmap(mapped_, mapped_bytes_);
  }
  HugeBuffer(HugeBuffer&& other) noexcept { swap(other); }
  HugeBuffer& operator=(HugeBuffer&& other) noexcept {
    HugeBuffer moved(std::move(other));
    swap(moved);
    return *this;
  }
  HugeBuffer(const HugeBuffer&) = delete;
  HugeBuffer& operator=(const HugeBuffer&) = delete;

  T& operator[](std::size_t index) { return data_[index]; }
  const T& operator[](std::size_t index) const { return data_[index]; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return count_; }
  std::size_t bytes_used() const { return mapped_bytes_; }

  // A buffer of new_count elements holding a copy of this one's first elements.
  HugeBuffer grown(std::size_t new_count) const {
    LOKET_ASSERT(new_count >= count_);
    HugeBuffer bigger(new_count);
    if (count_ > 0) std::memcpy(bigger.data_, data_, count_ * sizeof(T));
    return bigger;
  }

 private:
  void swap(HugeBuffer& other) noexcept {
    std::swap(mapped_, other.mapped_);
    std::swap(mapped_bytes_, other.mapped_bytes_);
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
  }

  void* mapped_ = nullptr;
  std::size_t mapped_bytes_ = 0;
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace loket
