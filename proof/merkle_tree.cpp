#include "proof/merkle_tree.hpp"

#include <bit>

#include "base/deque_bytes.hpp"
#include "engine/assert.hpp"

namespace loket {
namespace {

constexpr std::uint8_t leaf_prefix = 0x00;
constexpr std::uint8_t node_prefix = 0x01;

// The largest power of two below n (n >= 2): where RFC 9162 splits a tree of n leaves.
std::uint64_t split_point(std::uint64_t n) {
  LOKET_ASSERT(n >= 2);
  return std::bit_floor(n - 1);
}

}  // namespace

MerkleHash merkle_leaf_hash(std::string_view leaf_bytes) {
  return sha256_of_parts(
      {std::span(&leaf_prefix, 1),
       {reinterpret_cast<const std::uint8_t*>(leaf_bytes.data()), leaf_bytes.size()}});
}

MerkleHash merkle_node_hash(const MerkleHash& left, const MerkleHash& right) {
  return sha256_of_parts({std::span(&node_prefix, 1), left, right});
}

MerkleHash merkle_empty_root() {
  return sha256({});
}

void MerkleTree::append_leaf_hash(const MerkleHash& leaf_hash) {
  MerkleHash carried = leaf_hash;
  for (std::size_t level = 0;; ++level) {
    if (level == levels_.size()) levels_.emplace_back();
    levels_[level].push_back(carried);
    // A level with an even count just completed a pair: its parent is complete too.
    if (levels_[level].size() % 2 != 0) return;
    const auto& nodes = levels_[level];
    carried = merkle_node_hash(nodes[nodes.size() - 2], nodes.back());
  }
}

std::size_t MerkleTree::bytes_used() const {
  std::size_t bytes = levels_.capacity() * sizeof(levels_[0]);
  for (const auto& level : levels_) bytes += deque_bytes(level);
  return bytes;
}

MerkleHash MerkleTree::range_hash(std::uint64_t begin, std::uint64_t end) const {
  LOKET_ASSERT(begin < end && end <= size());
  const std::uint64_t count = end - begin;
  if (std::has_single_bit(count)) {
    const auto level = static_cast<std::size_t>(std::countr_zero(count));
    LOKET_ASSERT(begin % count == 0);
    return levels_[level][begin >> level];
  }
  const std::uint64_t middle = begin + split_point(count);
  return merkle_node_hash(range_hash(begin, middle), range_hash(middle, end));
}

MerkleHash MerkleTree::root(std::uint64_t tree_size) const {
  LOKET_ASSERT(tree_size <= size());
  return tree_size == 0 ? merkle_empty_root() : range_hash(0, tree_size);
}

void MerkleTree::append_inclusion_path(std::vector<MerkleHash>& path, std::uint64_t leaf_index,
                                       std::uint64_t begin, std::uint64_t end) const {
  if (end - begin == 1) return;
  const std::uint64_t middle = begin + split_point(end - begin);
  if (leaf_index < middle) {
    append_inclusion_path(path, leaf_index, begin, middle);
    path.push_back(range_hash(middle, end));
  } else {
    append_inclusion_path(path, leaf_index, middle, end);
    path.push_back(range_hash(begin, middle));
  }
}

std::vector<MerkleHash> MerkleTree::inclusion_proof(std::uint64_t leaf_index,
                                                    std::uint64_t tree_size) const {
  LOKET_ASSERT(leaf_index < tree_size && tree_size <= size());
  std::vector<MerkleHash> path;
  append_inclusion_path(path, leaf_index, 0, tree_size);
  return path;
}

// SUBPROOF(old_end - begin, D[begin:end], whole_old_tree) of RFC 9162 2.1.4.1.
void MerkleTree::append_consistency_path(std::vector<MerkleHash>& path, std::uint64_t old_end,
                                         std::uint64_t begin, std::uint64_t end,
                                         bool whole_old_tree) const {
  if (old_end == end) {
    if (!whole_old_tree) path.push_back(range_hash(begin, end));
    return;
  }
  const std::uint64_t middle = begin + split_point(end - begin);
  if (old_end <= middle) {
    append_consistency_path(path, old_end, begin, middle, whole_old_tree);
    path.push_back(range_hash(middle, end));
  } else {
    append_consistency_path(path, old_end, middle, end, false);
    path.push_back(range_hash(begin, middle));
  }
}

std::vector<MerkleHash> MerkleTree::consistency_proof(std::uint64_t old_size,
                                                      std::uint64_t new_size) const {
  LOKET_ASSERT(0 < old_size && old_size <= new_size && new_size <= size());
  std::vector<MerkleHash> path;
  append_consistency_path(path, old_size, 0, new_size, true);
  return path;
}

}  // namespace loket
