#include "proof/ed25519.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "engine/assert.hpp"

namespace loket::ed25519 {
namespace {

struct OpenSslFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using KeyPointer = std::unique_ptr<EVP_PKEY, OpenSslFree>;
using ContextPointer = std::unique_ptr<EVP_MD_CTX, OpenSslFree>;

KeyPointer private_key(const Seed& seed) {
  KeyPointer key(
      EVP_PKEY_new_raw_private_key_ex(nullptr, "ED25519", nullptr, seed.data(), seed.size()));
  LOKET_ASSERT(key != nullptr);  // any 32 bytes are an Ed25519 seed
  return key;
}

}  // namespace

Seed random_seed() {
  Seed seed{};
  const bool drawn = RAND_bytes(seed.data(), static_cast<int>(seed.size())) == 1;
  LOKET_ASSERT(drawn);
  return seed;
}

PublicKey public_key_of(const Seed& seed) {
  const KeyPointer key = private_key(seed);
  PublicKey public_key{};
  std::size_t length = public_key.size();
  const bool got = EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &length) == 1;
  LOKET_ASSERT(got && length == public_key.size());
  return public_key;
}

Signature sign(const Seed& seed, std::span<const std::uint8_t> message) {
  const KeyPointer key = private_key(seed);
  const ContextPointer context(EVP_MD_CTX_new());
  LOKET_ASSERT(context != nullptr);
  Signature signature{};
  std::size_t length = signature.size();
  // Ed25519 hashes the message itself: no digest is named.
  const bool signed_ok =
      EVP_DigestSignInit_ex(context.get(), nullptr, nullptr, nullptr, nullptr, key.get(),
                            nullptr) == 1 &&
      EVP_DigestSign(context.get(), signature.data(), &length, message.data(), message.size()) == 1;
  LOKET_ASSERT(signed_ok && length == signature.size());
  return signature;
}

bool verify(const PublicKey& public_key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> signature) {
  if (signature.size() != std::tuple_size_v<Signature>) return false;
  const KeyPointer key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr,
                                                      public_key.data(), public_key.size()));
  if (key == nullptr) return false;  // not a point on the curve
  const ContextPointer context(EVP_MD_CTX_new());
  LOKET_ASSERT(context != nullptr);
  return EVP_DigestVerifyInit_ex(context.get(), nullptr, nullptr, nullptr, nullptr, key.get(),
                                 nullptr) == 1 &&
         EVP_DigestVerify(context.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

}  // namespace loket::ed25519
