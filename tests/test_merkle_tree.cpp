// The decision tree against RFC 9162 section 2.1 written again here, independently: the root
// by the definition's recursion over the leaves, and proofs checked by rebuilding the roots
// from them recursively (not the RFC's iterative check that proof/merkle_verify.cpp uses).
// Both implementations must agree on every leaf and size pair of random trees of 1 to 300
// leaves, and the product's checks must refuse every damaged proof.
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engine/crypto.hpp"
#include "proof/merkle_tree.hpp"
#include "proof/merkle_verify.hpp"
#include "tests/merkle_reference.hpp"

namespace loket {
namespace {

using namespace merkle_reference;

std::vector<std::string> random_leaves(std::mt19937_64& random, std::size_t count) {
  std::vector<std::string> leaves(count);
  for (auto& leaf : leaves) {
    leaf.resize(random() % 80);
    for (auto& byte : leaf) byte = static_cast<char>(random());
  }
  return leaves;
}

std::vector<Hash> damaged(std::vector<Hash> path, std::size_t at) {
  path[at][at % 32] ^= 0x01;
  return path;
}

}  // namespace

TEST_CASE("merkle tree: RFC 6962's test vector", "[unit][proof]") {
  const std::vector<std::string> bytes = {
      "",
      std::string(1, '\0'),
      "\x10",
      "\x20\x21",
      "\x30\x31",
      "\x40\x41\x42\x43",
      "\x50\x51\x52\x53\x54\x55\x56\x57",
      "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  MerkleTree tree;
  for (const auto& leaf : bytes) tree.append_leaf(leaf);
  CHECK(to_hex(merkle_leaf_hash("")) ==
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  CHECK(to_hex(tree.root(8)) == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  CHECK(to_hex(tree.root(0)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("merkle tree: every root and inclusion proof of random trees of 1 to 300 leaves",
          "[unit][proof]") {
  std::mt19937_64 random(20261203);
  const auto leaves = random_leaves(random, 300);
  MerkleTree tree;
  for (std::uint64_t size = 1; size <= leaves.size(); ++size) {
    tree.append_leaf(leaves[size - 1]);
    REQUIRE(tree.size() == size);
    const Hash root = reference_root(leaves, 0, size);
    REQUIRE(tree.root(size) == root);
    for (std::uint64_t index = 0; index < size; ++index) {
      const auto path = tree.inclusion_proof(index, size);
      const Hash leaf = leaf_of(leaves[index]);
      REQUIRE(root_from_path(index, size, leaf, path) == root);
      REQUIRE(verify_inclusion(leaf, index, size, path, root));
      // Damage the proof, the index or the path's length: the product's check refuses. (The
      // size alone is not bound: a path for leaf 0 of 3 leaves has the shape of one for 4.)
      if (!path.empty()) REQUIRE_FALSE(verify_inclusion(leaf, index, size, damaged(path, 0), root));
      REQUIRE_FALSE(verify_inclusion(leaf, index + 1, size, path, root));
      if (size > 1) REQUIRE_FALSE(verify_inclusion(leaf, index ^ 1, size, path, root));
      auto longer = path;
      longer.push_back(root);
      REQUIRE_FALSE(verify_inclusion(leaf, index, size, longer, root));
    }
  }
  // Every earlier root is still there once the tree has grown.
  for (std::uint64_t size = 0; size <= leaves.size(); size += 7) {
    REQUIRE(tree.root(size) == reference_root(leaves, 0, size));
  }
}

TEST_CASE("merkle tree: consistency proofs between sizes of random trees", "[unit][proof]") {
  std::mt19937_64 random(31);
  const auto leaves = random_leaves(random, 300);
  MerkleTree tree;
  for (const auto& leaf : leaves) tree.append_leaf(leaf);
  const auto check_pair = [&](std::uint64_t old_size, std::uint64_t new_size) {
    const Hash old_root = reference_root(leaves, 0, old_size);
    const Hash new_root = reference_root(leaves, 0, new_size);
    const auto path = tree.consistency_proof(old_size, new_size);
    const auto roots = roots_from_consistency(old_size, new_size, true, path, old_root);
    REQUIRE(roots);
    REQUIRE(roots->old_root == old_root);
    REQUIRE(roots->new_root == new_root);
    REQUIRE(verify_consistency(old_size, new_size, old_root, new_root, path));
    if (!path.empty()) {
      for (std::size_t at = 0; at < path.size(); ++at) {
        REQUIRE_FALSE(
            verify_consistency(old_size, new_size, old_root, new_root, damaged(path, at)));
      }
      auto shorter = path;
      shorter.pop_back();
      REQUIRE_FALSE(verify_consistency(old_size, new_size, old_root, new_root, shorter));
    }
    if (old_size < new_size) {
      REQUIRE_FALSE(verify_consistency(old_size, new_size, new_root, new_root, path));
    }
  };
  for (std::uint64_t new_size = 1; new_size <= 64; ++new_size) {
    for (std::uint64_t old_size = 1; old_size <= new_size; ++old_size)
      check_pair(old_size, new_size);
  }
  for (int pair = 0; pair < 2000; ++pair) {
    const std::uint64_t new_size = 1 + random() % 300;
    check_pair(1 + random() % new_size, new_size);
  }
}

TEST_CASE("merkle proofs: the checks at the extremes of their sizes", "[unit][proof]") {
  const Hash some = leaf_of("x");
  const std::vector<Hash> none;
  const std::vector<Hash> one = {some};
  CHECK(verify_inclusion(some, 0, 1, none, some));
  CHECK_FALSE(verify_inclusion(some, 0, 0, none, some));
  CHECK_FALSE(verify_inclusion(some, UINT64_MAX, UINT64_MAX, none, some));
  CHECK_FALSE(verify_inclusion(some, UINT64_MAX - 1, UINT64_MAX, one, some));
  CHECK_FALSE(verify_inclusion(some, 0, UINT64_MAX, std::vector<Hash>(64, some), some));
  CHECK(verify_consistency(0, 5, some, some, none));
  CHECK_FALSE(verify_consistency(0, 5, some, some, one));
  CHECK(verify_consistency(5, 5, some, some, none));
  CHECK_FALSE(verify_consistency(5, 5, some, leaf_of("y"), none));
  CHECK_FALSE(verify_consistency(6, 5, some, some, one));
  CHECK_FALSE(verify_consistency(UINT64_MAX - 1, UINT64_MAX, some, some, none));
  CHECK_FALSE(
      verify_consistency(UINT64_MAX - 1, UINT64_MAX, some, some, std::vector<Hash>(70, some)));
  CHECK_FALSE(verify_consistency(1, UINT64_MAX, some, some, std::vector<Hash>(64, some)));
}

TEST_CASE("merkle tree: memory is two hashes per leaf", "[unit][proof]") {
  MerkleTree tree;
  const std::size_t empty_bytes = tree.bytes_used();
  constexpr std::size_t leaves = 20'000;
  for (std::size_t index = 0; index < leaves; ++index) tree.append_leaf(std::to_string(index));
  // Each leaf's hash and, on average, one node's: 64 bytes, plus the blocks' map and the
  // last, partly filled block of each level.
  const std::size_t per_leaf_bytes = (tree.bytes_used() - empty_bytes) / leaves;
  CHECK(per_leaf_bytes >= 64);
  CHECK(per_leaf_bytes <= 66);
}

}  // namespace loket
