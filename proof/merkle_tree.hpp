// The Merkle tree over the journal's decisions (RFC 9162 section 2.1): each leaf is one
// decision line as `loket export --what decisions --format jsonl` prints it, without the
// newline, in journal order. The tree keeps every complete subtree's hash, so appending costs
// one leaf hash and on average one node hash, and any root, inclusion proof or consistency
// proof up to its size takes O(log² n) hashes without touching the leaves' bytes again.
//
//   MerkleTree tree;
//   tree.append_leaf(line);                       // leaf index tree.size() - 1
//   MerkleHash root = tree.root(tree.size());
//   auto proof = tree.inclusion_proof(leaf_index, tree_size);
//
// Memory: two hashes (64 bytes) per leaf, in blocks: an append never moves what is stored,
// so its cost does not jump when the tree grows (a vector's regrowth copied 64 MB and stalled
// the writer for 30 ms at 2 million leaves; bench/decision_tree_bench.cpp). Thread safety:
// none; one writer.
#pragma once

#include <cstdint>
#include <deque>
#include <string_view>
#include <vector>

#include "engine/crypto.hpp"

namespace loket {

using MerkleHash = Sha256Digest;

// RFC 9162 2.1.1: SHA-256(0x00 || leaf) and SHA-256(0x01 || left || right).
MerkleHash merkle_leaf_hash(std::string_view leaf_bytes);
MerkleHash merkle_node_hash(const MerkleHash& left, const MerkleHash& right);
// The root of a tree with no leaves: SHA-256 of nothing.
MerkleHash merkle_empty_root();

class MerkleTree {
 public:
  // Room for every level a 64-bit size can need, so that the levels themselves never move
  // either (a deque's move is not noexcept: a growing vector of them would copy them all).
  MerkleTree() { levels_.reserve(levels_max); }

  void append_leaf(std::string_view leaf_bytes) { append_leaf_hash(merkle_leaf_hash(leaf_bytes)); }
  void append_leaf_hash(const MerkleHash& leaf_hash);

  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  // The heap bytes its hashes take: whole blocks of the levels' deques and their maps.
  std::size_t bytes_used() const;

  // MTH(D[0:tree_size]). Requires tree_size <= size().
  MerkleHash root(std::uint64_t tree_size) const;
  // PATH(leaf_index, D[0:tree_size]) (RFC 9162 2.1.3.1), nearest the leaf first. Requires
  // leaf_index < tree_size <= size().
  std::vector<MerkleHash> inclusion_proof(std::uint64_t leaf_index, std::uint64_t tree_size) const;
  // PROOF(old_size, D[0:new_size]) (2.1.4.1). Requires 0 < old_size <= new_size <= size().
  std::vector<MerkleHash> consistency_proof(std::uint64_t old_size, std::uint64_t new_size) const;

 private:
  // MTH(D[begin:end]) for a range the RFC's recursion produces: begin is a multiple of the
  // largest power of two not above end - begin.
  MerkleHash range_hash(std::uint64_t begin, std::uint64_t end) const;
  void append_inclusion_path(std::vector<MerkleHash>& path, std::uint64_t leaf_index,
                             std::uint64_t begin, std::uint64_t end) const;
  void append_consistency_path(std::vector<MerkleHash>& path, std::uint64_t old_end,
                               std::uint64_t begin, std::uint64_t end, bool whole_old_tree) const;

  static constexpr std::size_t levels_max = 65;  // sizes up to 2^64 - 1
  // levels_[k][i]: the hash of the complete subtree over leaves [i * 2^k, (i + 1) * 2^k).
  std::vector<std::deque<MerkleHash>> levels_;
};

}  // namespace loket
