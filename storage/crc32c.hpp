// CRC-32C (Castagnoli), the record checksum: cheap enough to check on every read, and it tells
// a torn or flipped record (checksum fails) from a rewritten one (checksum holds, hash chain
// breaks).
#pragma once

#include <cstdint>
#include <span>

namespace loket {

// Uses the CPU's crc32 instruction where there is one; the result is the same either way.
std::uint32_t crc32c(std::span<const std::uint8_t> bytes);
std::uint32_t crc32c_portable(std::span<const std::uint8_t> bytes);

}  // namespace loket
