#include "tests/proof_fixture.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/merkle_reference.hpp"

namespace loket::testing {

namespace http = boost::beast::http;

std::vector<MerkleHash> hashes_of(const boost::json::array& hex_hashes) {
  std::vector<MerkleHash> hashes;
  for (const auto& hex : hex_hashes) {
    const auto bytes = from_hex(hex.as_string());
    REQUIRE((bytes && bytes->size() == 32));
    hashes.emplace_back();
    std::copy(bytes->begin(), bytes->end(), hashes.back().begin());
  }
  return hashes;
}

std::string checkpoint_at(unsigned short port, std::uint64_t decisions,
                          const NoteVerifierKey& key) {
  Client client(port);
  for (auto deadline = std::chrono::steady_clock::now() + hang_timeout;
       std::chrono::steady_clock::now() < deadline;) {
    const Answer answer = client.send(http::verb::get, "/v1/checkpoint", "dev-portal-token");
    if (answer.status == 200) {
      CHECK(answer.content_type == "text/plain; charset=utf-8");
      const auto opened = open_checkpoint(answer.body, key);
      REQUIRE(opened.ok());
      if (opened->tree_size == decisions) return answer.body;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  FAIL("no checkpoint of " << decisions << " decisions");
  return {};
}

std::string check_proofs(unsigned short port,
                         const std::vector<std::pair<std::string, std::uint64_t>>& receipts,
                         const std::vector<std::string>& lines, const Checkpoint& checkpoint) {
  Client client(port);
  std::string body;
  for (const auto& [id, leaf_index] : receipts) {
    const Answer answer = client.send(http::verb::get, fmt::format("/v1/submissions/{}/proof", id),
                                      "dev-portal-token");
    REQUIRE(answer.status == 200);
    body = answer.body;
    const boost::json::value proof = answer.json();
    REQUIRE(proof.at("leaf_index").to_number<std::uint64_t>() == leaf_index);
    REQUIRE(proof.at("line").as_string() == lines.at(leaf_index));
    REQUIRE(proof.at("tree_size").to_number<std::uint64_t>() == checkpoint.tree_size);
    const std::vector<MerkleHash> path = hashes_of(proof.at("inclusion_proof").as_array());
    const auto root = merkle_reference::root_from_path(
        leaf_index, checkpoint.tree_size,
        merkle_reference::leaf_of(std::string(proof.at("line").as_string())), path);
    REQUIRE(root == checkpoint.root_hash);
  }
  return body;
}

}  // namespace loket::testing
