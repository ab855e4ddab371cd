// RFC 9162 section 2.1 written again for the tests, independently of proof/: the root by the
// definition's recursion, and proofs checked by rebuilding the roots from them recursively
// (not the RFC's iterative check that proof/merkle_verify.cpp uses).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/crypto.hpp"

namespace loket::merkle_reference {

using Hash = Sha256Digest;

inline Hash hash_of(const std::string& bytes) {
  return sha256({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()});
}
inline Hash leaf_of(const std::string& leaf) {
  return hash_of(std::string(1, '\0') + leaf);
}
inline Hash node_of(const Hash& left, const Hash& right) {
  std::string joined(1, '\1');
  joined.append(left.begin(), left.end());
  joined.append(right.begin(), right.end());
  return hash_of(joined);
}

// The largest power of two strictly below n, by counting.
inline std::uint64_t split_below(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// MTH(D[begin:end]) by the definition.
inline Hash reference_root(const std::vector<std::string>& leaves, std::uint64_t begin,
                           std::uint64_t end) {
  if (end == begin) return hash_of("");
  if (end - begin == 1) return leaf_of(leaves[begin]);
  const std::uint64_t k = split_below(end - begin);
  return node_of(reference_root(leaves, begin, begin + k), reference_root(leaves, begin + k, end));
}

// The root an inclusion path leads to: PATH's definition read backwards (the last element is
// the sibling at the top).
inline std::optional<Hash> root_from_path(std::uint64_t m, std::uint64_t n, const Hash& leaf,
                                          std::vector<Hash> path) {
  if (n == 1) return path.empty() ? std::optional(leaf) : std::nullopt;
  if (path.empty()) return std::nullopt;
  const Hash top = path.back();
  path.pop_back();
  const std::uint64_t k = split_below(n);
  if (m < k) {
    const auto left = root_from_path(m, k, leaf, path);
    return left ? std::optional(node_of(*left, top)) : std::nullopt;
  }
  const auto right = root_from_path(m - k, n - k, leaf, path);
  return right ? std::optional(node_of(top, *right)) : std::nullopt;
}

struct Roots {
  Hash old_root;
  Hash new_root;
};

// The old and new roots a consistency proof leads to: SUBPROOF's definition read backwards.
inline std::optional<Roots> roots_from_consistency(std::uint64_t m, std::uint64_t n, bool whole_old,
                                                   std::vector<Hash> path, const Hash& old_root) {
  if (m == n) {
    if (whole_old) return path.empty() ? std::optional(Roots{old_root, old_root}) : std::nullopt;
    return path.size() == 1 ? std::optional(Roots{path[0], path[0]}) : std::nullopt;
  }
  if (path.empty()) return std::nullopt;
  const Hash top = path.back();
  path.pop_back();
  const std::uint64_t k = split_below(n);
  if (m <= k) {
    const auto left = roots_from_consistency(m, k, whole_old, path, old_root);
    if (!left) return std::nullopt;
    return Roots{left->old_root, node_of(left->new_root, top)};
  }
  const auto right = roots_from_consistency(m - k, n - k, false, path, old_root);
  if (!right) return std::nullopt;
  return Roots{node_of(top, right->old_root), node_of(top, right->new_root)};
}

}  // namespace loket::merkle_reference
