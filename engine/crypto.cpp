#include "engine/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <memory>

#include "engine/assert.hpp"

namespace loket {

namespace {

// OpenSSL 3's one-shot SHA256() and HMAC() look their algorithm up by name and build a new
// context on every call, with a lock and several allocations each (19 of a registration's 60
// allocations, docs/benchmarks.md); a registration hashes several times. So the algorithms are
// fetched once for the process, and each thread keeps one context of each kind and re-initialises
// it.
const EVP_MD* sha256_algorithm() {
  static EVP_MD* const algorithm = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  LOKET_ASSERT(algorithm != nullptr);
  return algorithm;
}

struct OpenSslFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};

EVP_MD_CTX* thread_digest_context() {
  thread_local const std::unique_ptr<EVP_MD_CTX, OpenSslFree> context(EVP_MD_CTX_new());
  LOKET_ASSERT(context != nullptr);
  return context.get();
}

// An HMAC context already set to SHA-256: only the key changes from call to call.
EVP_MAC_CTX* new_hmac_sha256_context() {
  static EVP_MAC* const algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  LOKET_ASSERT(algorithm != nullptr);
  EVP_MAC_CTX* context = EVP_MAC_CTX_new(algorithm);
  LOKET_ASSERT(context != nullptr);
  char digest_name[] = "SHA256";
  const OSSL_PARAM parameters[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
      OSSL_PARAM_construct_end()};
  const bool set = EVP_MAC_CTX_set_params(context, parameters) == 1;
  LOKET_ASSERT(set);
  return context;
}

EVP_MAC_CTX* thread_hmac_context() {
  thread_local const std::unique_ptr<EVP_MAC_CTX, OpenSslFree> context(new_hmac_sha256_context());
  return context.get();
}

}  // namespace

Sha256Digest sha256_of_parts(std::initializer_list<std::span<const std::uint8_t>> parts) {
  EVP_MD_CTX* context = thread_digest_context();
  bool hashed = EVP_DigestInit_ex2(context, sha256_algorithm(), nullptr) == 1;
  for (const auto& part : parts) {
    hashed = hashed && EVP_DigestUpdate(context, part.data(), part.size()) == 1;
  }
  Sha256Digest digest{};
  unsigned int length = 0;
  hashed = hashed && EVP_DigestFinal_ex(context, digest.data(), &length) == 1;
  LOKET_ASSERT(hashed);
  LOKET_ASSERT(length == digest.size());
  return digest;
}

Sha256Digest sha256(std::span<const std::uint8_t> bytes) {
  return sha256_of_parts({bytes});
}

Sha256Digest hmac_sha256(std::span<const std::uint8_t> key, std::span<const std::uint8_t> message) {
  LOKET_ASSERT(!key.empty());
  EVP_MAC_CTX* context = thread_hmac_context();
  Sha256Digest digest{};
  std::size_t length = 0;
  const bool computed = EVP_MAC_init(context, key.data(), key.size(), nullptr) == 1 &&
                        EVP_MAC_update(context, message.data(), message.size()) == 1 &&
                        EVP_MAC_final(context, digest.data(), &length, digest.size()) == 1;
  LOKET_ASSERT(computed);
  LOKET_ASSERT(length == digest.size());
  return digest;
}

ParticipantKey participant_key(std::span<const std::uint8_t> secret_key,
                               std::string_view participant_identifier) {
  return hmac_sha256(secret_key,
                     {reinterpret_cast<const std::uint8_t*>(participant_identifier.data()),
                      participant_identifier.size()});
}

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
  constexpr char digits[] = "0123456789abcdef";
  const std::size_t start = out.size();
  out.resize(start + bytes.size() * 2);
  for (std::size_t index = 0; index < bytes.size(); ++index) {
    out[start + 2 * index] = digits[bytes[index] >> 4];
    out[start + 2 * index + 1] = digits[bytes[index] & 0x0f];
  }
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string text;
  append_hex(text, bytes);
  return text;
}

std::optional<std::vector<std::uint8_t>> from_hex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  const auto nibble = [](char digit) -> int {
    if (digit >= '0' && digit <= '9') return digit - '0';
    if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
    if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> bytes(text.size() / 2);
  for (std::size_t index = 0; index < bytes.size(); ++index) {
    const int high = nibble(text[2 * index]);
    const int low = nibble(text[2 * index + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[index] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return bytes;
}

}  // namespace loket
