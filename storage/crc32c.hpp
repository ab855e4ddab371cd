// CRC-32C (Castagnoli), the record checksum: cheap enough to check on every read, and it tells
// a torn or flipped record (checksum fails) from a rewritten one (checksum holds, hash chain
// breaks).
#pragma once

#include <cstdint>
#include <span>

namespace loket {

std::uint32_t crc32c(std::span<const std::uint8_t> bytes);

}  // namespace loket
