// Signed checkpoints and applicants' proofs across a failover, as real processes: three etcd
// members and two loket nodes. The follower applies the leader's checkpoints and proves from
// them; after the leader is SIGKILLed the next one serves the same checkpoint, numbers the
// decisions after it on from where the first left off, and signs a checkpoint that extends
// the first (a consistency proof shows it). Both journals meet both checkpoints in the audit.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>

#include "app/development_key.hpp"
#include "proof/merkle_verify.hpp"
#include "tests/cluster_fixture.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/proof_fixture.hpp"

namespace loket::testing {
namespace {

namespace http = boost::beast::http;
using LeafReceipts = std::vector<std::pair<std::string, std::uint64_t>>;

// Registers `count` participants on the leader; returns each receipt's id and leaf_index.
LeafReceipts register_participants(unsigned short port, std::size_t first, std::size_t count) {
  LeafReceipts receipts;
  for (const boost::json::object& receipt : register_in_t2(port, first, count)) {
    receipts.emplace_back(std::string(receipt.at("id").as_string()),
                          receipt.at("leaf_index").to_number<std::uint64_t>());
  }
  return receipts;
}

// The decisions export of the node at `port`, as lines, once it holds `count` of them.
std::vector<std::string> decision_lines(unsigned short port, std::size_t count) {
  std::vector<std::string> lines;
  poll_until([&] {
    Client client(port);
    const Answer answer =
        client.send(http::verb::get, "/v1/export/decisions.jsonl", "dev-auditor-token");
    lines = lines_of(answer.body);
    return answer.status == 200 && lines.size() >= count;
  });
  return lines;
}

void audit_meets(const std::string& journal, const std::vector<std::string>& checkpoints) {
  std::vector<std::string> arguments = {"audit", "--data", journal, "--key",
                                        std::string(development_checkpoint_verifier_key)};
  for (const std::string& checkpoint : checkpoints) {
    arguments.push_back("--checkpoint");
    arguments.push_back(checkpoint);
  }
  const LoketRun audit = run_loket(arguments);
  INFO(audit.output);
  CHECK(audit.exit_code == 0);
}

}  // namespace

TEST_CASE("cluster: checkpoints and proofs survive the leader's failover",
          "[process][etcd][cluster][proof]") {
  if (etcd_missing()) return;
  const auto key = parse_verifier_key(development_checkpoint_verifier_key);
  REQUIRE(key.ok());
  TwoNodes cluster(source_path("schemes/rehearsal.toml"), {"--checkpoint-interval", "1"});
  const std::size_t first_leader = cluster.leader;
  const std::size_t follower = 1 - first_leader;
  LeafReceipts receipts = register_participants(cluster.leader_port, 1, 30);
  const std::string first = checkpoint_at(cluster.leader_port, 30, *key);
  // The follower applies the checkpoint the leader journaled and proves from it.
  CHECK(checkpoint_at(cluster.ports[follower], 30, *key) == first);
  const auto first_checkpoint = open_checkpoint(first, *key);
  REQUIRE(first_checkpoint.ok());
  check_proofs(cluster.ports[follower], receipts, decision_lines(cluster.ports[follower], 30),
               *first_checkpoint);

  cluster.fail_over();
  INFO("new leader's log:\n" << cluster.nodes[cluster.leader]->log());
  REQUIRE(cluster.leader == follower);
  CHECK(checkpoint_at(cluster.leader_port, 30, *key) == first);
  const LeafReceipts later = register_participants(cluster.leader_port, 31, 20);
  for (std::size_t index = 0; index < later.size(); ++index) {
    CHECK(later[index].second == 30 + index);  // numbered on from the first leader's leaves
  }
  receipts.insert(receipts.end(), later.begin(), later.end());
  const std::string second = checkpoint_at(cluster.leader_port, 50, *key);
  const auto second_checkpoint = open_checkpoint(second, *key);
  REQUIRE(second_checkpoint.ok());
  // Every receipt, the first leader's too, proves against the second leader's checkpoint.
  const std::vector<std::string> lines = decision_lines(cluster.leader_port, 50);
  check_proofs(cluster.leader_port, receipts, lines, *second_checkpoint);
  // The second checkpoint extends the first: the new leader rewrote nothing.
  Client client(cluster.leader_port);
  const Answer consistency =
      client.send(http::verb::get, "/v1/proofs/consistency?from=30&to=50", "dev-auditor-token");
  REQUIRE(consistency.status == 200);
  CHECK(verify_consistency(30, 50, first_checkpoint->root_hash, second_checkpoint->root_hash,
                           hashes_of(consistency.json().at("consistency_proof").as_array())));
  // The killed node, restarted as a follower, catches up to the second checkpoint.
  CHECK(checkpoint_at(cluster.ports[first_leader], 50, *key) == second);

  const std::string first_file = cluster.folder.write("first.checkpoint", first);
  const std::string second_file = cluster.folder.write("second.checkpoint", second);
  for (const std::size_t node : {cluster.leader, 1 - cluster.leader}) {
    cluster.nodes[node]->signal(SIGTERM);
    cluster.nodes[node]->wait();
    audit_meets(cluster.folder.path(cluster.names[node]), {first_file, second_file});
  }
}

}  // namespace loket::testing
