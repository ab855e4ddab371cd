// The two hashes the rules name: SHA-256 for lottery rank keys and seed commitments (R8) and
// HMAC-SHA-256 for participant keys (R4) and lottery secrets (R8), computed by OpenSSL.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.hpp"

namespace loket {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::span<const std::uint8_t> bytes);
// SHA-256 of the parts one after the other, without joining them first (the Merkle tree's
// 0x00/0x01 prefixes, proof/merkle_tree.hpp).
Sha256Digest sha256_of_parts(std::initializer_list<std::span<const std::uint8_t>> parts);

// HMAC-SHA-256(key, message), RFC 2104.
Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message);

// HMAC-SHA-256(key, identifier): the only form in which a participant identifier is kept.
ParticipantKey participant_key(std::span<const std::uint8_t> secret_key,
                               std::string_view participant_identifier);

// Lowercase hex, and back. Decoding accepts either case and fails on odd length or a
// non-hex character.
std::string to_hex(std::span<const std::uint8_t> bytes);
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);  // lowercase, as to_hex
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text);

}  // namespace loket
