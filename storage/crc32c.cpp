#include "storage/crc32c.hpp"

#include <nmmintrin.h>

#include <array>
#include <cstring>

namespace loket {
namespace {

constexpr std::uint32_t reflected_polynomial = 0x82F63B78;

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? reflected_polynomial : 0);
    table[byte] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> table = make_table();

// SSE4.2's crc32 instruction computes the same polynomial eight bytes at a time; every record
// read is checked, so this is on the audit's and recovery's critical path.
__attribute__((target("sse4.2"))) std::uint32_t crc32c_hardware(
    std::span<const std::uint8_t> bytes) {
  std::uint64_t crc = 0xFFFFFFFF;
  std::size_t position = 0;
  for (; position + 8 <= bytes.size(); position += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data() + position, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  auto crc32 = static_cast<std::uint32_t>(crc);
  for (; position < bytes.size(); ++position) crc32 = _mm_crc32_u8(crc32, bytes[position]);
  return crc32 ^ 0xFFFFFFFF;
}

const bool has_sse42 = __builtin_cpu_supports("sse4.2");

}  // namespace

std::uint32_t crc32c_portable(std::span<const std::uint8_t> bytes) {
  return crc32c_extend(0, bytes);
}

std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  crc ^= 0xFFFFFFFF;
  for (const std::uint8_t byte : bytes) crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFF;
}

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
  return has_sse42 ? crc32c_hardware(bytes) : crc32c_portable(bytes);
}

}  // namespace loket
