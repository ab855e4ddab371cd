// Each cluster node's status key (cluster/node_status.hpp): its value's format at its edges
// (unit), and publishing and reading every node's against a real etcd member (process), and
// the 307 and 503 a follower answers writes with (net/replies.hpp).
#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>

#include "cluster/node_status.hpp"
#include "net/replies.hpp"
#include "tests/etcd_test.hpp"

namespace loket {
namespace {

NodeStatus example() {
  return NodeStatus{"node-a", "http://10.0.0.1:8080", "follower", 41, 7, 1'764'633'600'000};
}

TEST_CASE("node status: a value round-trips, at the extremes of its numbers", "[cluster]") {
  NodeStatus status = example();
  REQUIRE(decode_node_status(encode_node_status(status)).value() == status);
  status.applied_sequence = std::numeric_limits<std::uint64_t>::max();
  status.applied_chunks = std::numeric_limits<std::uint64_t>::max();
  status.updated_unix_ms = std::numeric_limits<std::int64_t>::min();
  REQUIRE(decode_node_status(encode_node_status(status)).value() == status);
}

TEST_CASE("node status: a value that is not one is corruption, never a crash", "[cluster]") {
  const std::string good = encode_node_status(example());
  for (const std::string& value :
       {std::string(), std::string("null"), std::string("[]"), good.substr(0, good.size() - 1),
        std::string(R"({"node":"a","url":"u","role":"leader","applied_sequence":-1,)"
                    R"("applied_chunks":0,"updated_unix_ms":0})"),
        std::string(R"({"node":"a","url":"u","role":"leader","applied_sequence":1.5,)"
                    R"("applied_chunks":0,"updated_unix_ms":0})"),
        std::string(R"({"node":1,"url":"u","role":"leader","applied_sequence":1,)"
                    R"("applied_chunks":0,"updated_unix_ms":0})"),
        std::string(R"({"node":"a","url":"u","role":"leader","applied_sequence":1,)"
                    R"("applied_chunks":0})"),
        std::string(R"({"node":"a","url":"u","role":"leader","applied_sequence":1,)"
                    R"("applied_chunks":0,"updated_unix_ms":0,"extra":0})"),
        std::string(R"({"node":"a","url":"u","role":"leader","applied_sequence":)"
                    R"(18446744073709551616,"applied_chunks":0,"updated_unix_ms":0})")}) {
    CAPTURE(value);
    CHECK(decode_node_status(value).status().code() == StatusCode::corruption);
  }
}

TEST_CASE("node status: every node's is published and read back in name order",
          "[process][etcd][cluster]") {
  if (testing::etcd_missing()) return;
  testing::EtcdCluster cluster(1);
  EtcdClient client = testing::etcd_client_of(cluster.client_urls());
  const EtcdLogKeys keys{"/loket/status-test/"};
  NodeStatus b = example();
  b.name = "b";
  NodeStatus a = example();
  a.name = "a";
  a.role = "leader";
  REQUIRE(publish_node_status(client, keys, b).is_ok());
  REQUIRE(publish_node_status(client, keys, a).is_ok());
  b.applied_sequence = 99;
  REQUIRE(publish_node_status(client, keys, b).is_ok());  // replaces b's
  const Result<std::vector<NodeStatus>> nodes = read_node_statuses(client, keys);
  REQUIRE(nodes.ok());
  CHECK(*nodes == std::vector<NodeStatus>{a, b});
  // A damaged value is reported, not skipped: trimming must not go past a node it cannot read.
  REQUIRE(client.put(EtcdPut{node_status_key(keys, "c"), "{", 0}).ok());
  CHECK(read_node_statuses(client, keys).status().code() == StatusCode::corruption);
}

TEST_CASE("a write sent to a follower: 307 to the leader, or 503 during an election", "[net]") {
  const Problem redirect =
      not_leader_problem("http://10.0.0.2:8080/", "/v1/tranches/t2/submissions");
  CHECK(redirect.status == 307);
  CHECK(redirect.type == "urn:loket:problem:not-leader");
  CHECK(redirect.location == "http://10.0.0.2:8080/v1/tranches/t2/submissions");
  for (const std::string_view url :
       {std::string_view(), std::string_view("http://a b"),
        std::string_view("http://a\r\nSet-Cookie: x"), std::string_view("http://a\x7f")}) {
    CAPTURE(url);
    const Problem waiting = not_leader_problem(url, "/v1/tranches/t2/close");
    CHECK(waiting.status == 503);
    CHECK(waiting.type == "urn:loket:problem:no-leader");
    CHECK(waiting.retry_after_seconds == 1);
    CHECK(waiting.location.empty());
  }
}

}  // namespace
}  // namespace loket
