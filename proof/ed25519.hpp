// Ed25519 (RFC 8032) through OpenSSL's EVP interface: what signed_note.cpp needs and no more.
// Internal to proof/.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace loket::ed25519 {

using Seed = std::array<std::uint8_t, 32>;
using PublicKey = std::array<std::uint8_t, 32>;
using Signature = std::array<std::uint8_t, 64>;

Seed random_seed();
PublicKey public_key_of(const Seed& seed);
Signature sign(const Seed& seed, std::span<const std::uint8_t> message);
bool verify(const PublicKey& public_key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature);

}  // namespace loket::ed25519
