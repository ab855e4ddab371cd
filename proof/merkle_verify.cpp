#include "proof/merkle_verify.hpp"

#include <bit>

namespace loket {
namespace {

bool lowest_bit(std::uint64_t value) {
  return (value & 1U) != 0;
}

}  // namespace

bool verify_inclusion(const MerkleHash& leaf_hash, std::uint64_t leaf_index,
                      std::uint64_t tree_size, std::span<const MerkleHash> path,
                      const MerkleHash& root) {
  if (leaf_index >= tree_size) return false;
  std::uint64_t index = leaf_index;
  std::uint64_t last = tree_size - 1;
  MerkleHash computed = leaf_hash;
  for (const MerkleHash& sibling : path) {
    if (last == 0) return false;  // a longer path than the tree is deep
    if (lowest_bit(index) || index == last) {
      computed = merkle_node_hash(sibling, computed);
      // A right edge node with no sibling at this level moves up unchanged.
      while (!lowest_bit(index) && index != 0) {
        index >>= 1;
        last >>= 1;
      }
    } else {
      computed = merkle_node_hash(computed, sibling);
    }
    index >>= 1;
    last >>= 1;
  }
  return last == 0 && computed == root;
}

bool verify_consistency(std::uint64_t old_size, std::uint64_t new_size, const MerkleHash& old_root,
                        const MerkleHash& new_root, std::span<const MerkleHash> path) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return path.empty() && old_root == new_root;
  if (old_size == 0) return path.empty();
  if (path.empty()) return false;
  // An old tree that is a complete subtree is the proof's implicit first node.
  const bool old_is_complete = std::has_single_bit(old_size);
  std::uint64_t index = old_size - 1;
  std::uint64_t last = new_size - 1;
  while (lowest_bit(index)) {
    index >>= 1;
    last >>= 1;
  }
  MerkleHash old_computed = old_is_complete ? old_root : path.front();
  MerkleHash new_computed = old_computed;
  for (const MerkleHash& node : path.subspan(old_is_complete ? 0 : 1)) {
    if (last == 0) return false;
    if (lowest_bit(index) || index == last) {
      old_computed = merkle_node_hash(node, old_computed);
      new_computed = merkle_node_hash(node, new_computed);
      while (!lowest_bit(index) && index != 0) {
        index >>= 1;
        last >>= 1;
      }
    } else {
      new_computed = merkle_node_hash(new_computed, node);
    }
    index >>= 1;
    last >>= 1;
  }
  return last == 0 && old_computed == old_root && new_computed == new_root;
}

}  // namespace loket
