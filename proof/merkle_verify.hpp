// Checking RFC 9162 proofs against roots, as a client does (sections 2.1.3.2 and 2.1.4.2):
// `loket verify` and `loket audit --checkpoint` use these; they never trust the proof's
// length or the sizes, so any input only makes them answer false.
#pragma once

#include <cstdint>
#include <span>

#include "proof/merkle_tree.hpp"

namespace loket {

// Whether `path` proves the leaf with leaf_hash at leaf_index in the tree of tree_size
// leaves with `root`.
bool verify_inclusion(const MerkleHash& leaf_hash, std::uint64_t leaf_index,
                      std::uint64_t tree_size, std::span<const MerkleHash> path,
                      const MerkleHash& root);

// Whether `path` proves that the tree of old_size leaves with old_root is a prefix of the tree
// of new_size leaves with new_root. Equal sizes need equal roots and no path; old_size 0 is
// consistent with anything, with no path.
bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const MerkleHash& old_root,
                        const MerkleHash& new_root, std::span<const MerkleHash> path);

}  // namespace loket
