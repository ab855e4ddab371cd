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
// The CRC-32C of (the bytes whose CRC-32C is `crc`) followed by `bytes`, one byte at a time:
// for checking many prefixes of one buffer. crc32c_extend(0, bytes) == crc32c(bytes).
std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::uint8_t> bytes);

}  // namespace loket
