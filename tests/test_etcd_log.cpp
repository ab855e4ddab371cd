// The leader election and the replicated log in etcd (cluster/election.hpp,
// cluster/etcd_log.hpp). Against real etcd members (process tier): one leader at a time, a new
// epoch for every new leader, a lapsed lease ending leadership, and the fences that keep a
// former leader, or a second writer, from extending the log. The values' formats and the
// limits at their edges are unit tests.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <limits>
#include <thread>

#include "cluster/election.hpp"
#include "cluster/etcd_log.hpp"
#include "tests/etcd_test.hpp"

namespace loket {
namespace {

using testing::etcd_missing;
using testing::EtcdCluster;
using namespace etcd_log_limits;

EtcdClient client_of(const EtcdCluster& cluster) {
  return testing::etcd_client_of(cluster.client_urls());
}

const EtcdLogKeys keys{"/loket/test-scheme/"};

LeaderElection election_of(EtcdClient& client, std::string name, std::int64_t ttl_seconds = 5) {
  Result<LeaderElection> election = LeaderElection::create(
      client, keys.election_key(), {name, "http://127.0.0.1:1/" + name}, ttl_seconds);
  REQUIRE(election.ok());
  return std::move(*election);
}

std::int64_t elect(LeaderElection& election) {
  const Result<Campaign> campaign = election.campaign_once();
  REQUIRE(campaign.ok());
  REQUIRE(campaign->elected);
  return campaign->leader->epoch;
}

EtcdLogWriter writer_of(EtcdClient& client, std::int64_t epoch) {
  Result<EtcdLogWriter> writer = EtcdLogWriter::take_over(client, keys, epoch, "genesis");
  if (!writer.ok()) FAIL(writer.status().message());
  return std::move(*writer);
}

// One etcd member, a client of it, and the election of node "a" (not yet campaigned).
struct OneMember {
  EtcdCluster cluster{1};
  EtcdClient client = client_of(cluster);
  LeaderElection a = election_of(client, "a");
};

std::vector<std::string> chunks_of(std::initializer_list<std::string> chunks) {
  return std::vector<std::string>(chunks);
}

EtcdLogTail tail_now(EtcdClient& client) {
  const Result<EtcdLogTail> tail = read_etcd_log_tail(client, keys);
  REQUIRE(tail.ok());
  return *tail;
}

TEST_CASE("election: one leader at a time, and a new epoch for the next", "[process][etcd]") {
  if (etcd_missing()) return;
  OneMember etcd;
  EtcdClient& client = etcd.client;
  LeaderElection& a = etcd.a;
  LeaderElection b = election_of(client, "b");
  const std::int64_t epoch_a = elect(a);

  const Result<Campaign> lost = b.campaign_once();
  REQUIRE(lost.ok());
  CHECK_FALSE(lost->elected);
  REQUIRE(lost->leader);
  CHECK(lost->leader->node.name == "a");
  CHECK(lost->leader->node.url == "http://127.0.0.1:1/a");
  CHECK(lost->leader->epoch == epoch_a);
  // Campaigning again while leading keeps the same epoch.
  CHECK(elect(a) == epoch_a);
  CHECK(a.keep_alive().is_ok());

  REQUIRE(a.resign().is_ok());
  const std::int64_t epoch_b = elect(b);
  CHECK(epoch_b > epoch_a);
  CHECK(a.keep_alive().code() == StatusCode::not_found);
  const Result<Campaign> a_again = a.campaign_once();
  REQUIRE(a_again.ok());
  CHECK_FALSE(a_again->elected);
}

TEST_CASE("election: a leader that stops renewing loses its lease, and the key with it",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = client_of(cluster);
  LeaderElection a = election_of(client, "a", 1);
  LeaderElection b = election_of(client, "b", 1);
  const std::int64_t epoch_a = elect(a);
  // etcd ends a 1 s lease within a few seconds; b is elected then, never before a's lease ends.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::int64_t epoch_b = 0;
  while (std::chrono::steady_clock::now() < give_up) {
    const Result<Campaign> campaign = b.campaign_once();
    INFO(campaign.status().message());
    REQUIRE(campaign.ok());
    if (campaign->elected) {
      epoch_b = campaign->leader->epoch;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(epoch_b > epoch_a);
  CHECK(a.keep_alive().code() == StatusCode::not_found);
}

TEST_CASE("etcd log: batches of one and of several chunks read back whole, in order",
          "[process][etcd]") {
  if (etcd_missing()) return;
  OneMember etcd;
  EtcdClient& client = etcd.client;
  LeaderElection& a = etcd.a;
  EtcdLogWriter writer = writer_of(client, elect(a));
  // The first leader writes the tail of the empty log.
  CHECK(writer.tail().chunks == 0);
  CHECK(writer.tail().last_sequence == 0);
  CHECK(writer.tail().head == "genesis");
  CHECK(tail_now(client) == writer.tail());
  CHECK(first_etcd_log_chunk(client, keys).value_or(9) == 0);

  REQUIRE(writer.append(chunks_of({"one"}), 1, "h1").is_ok());
  REQUIRE(writer.append(chunks_of({"two-a", "two-b", "two-c"}), 7, "h7").is_ok());
  const EtcdLogTail tail = tail_now(client);
  CHECK(tail == writer.tail());
  CHECK(tail.chunks == 4);
  CHECK(tail.last_sequence == 7);
  CHECK(tail.head == "h7");
  const Result<std::vector<std::string>> chunks = read_etcd_log_chunks(client, keys, 1, 4);
  REQUIRE(chunks.ok());
  CHECK(*chunks == chunks_of({"one", "two-a", "two-b", "two-c"}));
  const Result<std::vector<std::string>> middle = read_etcd_log_chunks(client, keys, 2, 3);
  REQUIRE(middle.ok());
  CHECK(*middle == chunks_of({"two-a", "two-b"}));

  // Trimmed chunks are gone for a reader; the rest stay.
  CHECK(first_etcd_log_chunk(client, keys).value_or(0) == 1);
  REQUIRE(trim_etcd_log(client, keys, 3).is_ok());
  CHECK(first_etcd_log_chunk(client, keys).value_or(0) == 3);
  CHECK(read_etcd_log_chunks(client, keys, 2, 4).status().code() == StatusCode::not_found);
  const Result<std::vector<std::string>> kept = read_etcd_log_chunks(client, keys, 3, 4);
  REQUIRE(kept.ok());
  CHECK(*kept == chunks_of({"two-b", "two-c"}));
}

TEST_CASE("etcd log: a former leader cannot append once another took over", "[process][etcd]") {
  if (etcd_missing()) return;
  OneMember etcd;
  EtcdClient& client = etcd.client;
  LeaderElection& a = etcd.a;
  LeaderElection b = election_of(client, "b");
  EtcdLogWriter old_writer = writer_of(client, elect(a));
  REQUIRE(old_writer.append(chunks_of({"a1"}), 1, "h1").is_ok());
  REQUIRE(a.resign().is_ok());
  // The former leader left a chunk after the tail (an unfinished batch).
  REQUIRE(client.put({keys.chunk_key(2), "unfinished", 0}).ok());

  EtcdLogWriter new_writer = writer_of(client, elect(b));
  CHECK(new_writer.tail().chunks == 1);
  CHECK(client.range(EtcdRange::single(keys.chunk_key(2)))->kvs.empty());

  const EtcdLogTail before = tail_now(client);
  const Status refused = old_writer.append(chunks_of({"a2"}), 2, "h2");
  CHECK(refused.code() == StatusCode::unavailable);
  CHECK(tail_now(client) == before);
  CHECK(old_writer.tail() == before);
  REQUIRE(new_writer.append(chunks_of({"b2"}), 2, "h2b").is_ok());
  CHECK(tail_now(client).head == "h2b");
}

TEST_CASE("etcd log: of two writers of one leader, the one behind the tail is fenced",
          "[process][etcd]") {
  if (etcd_missing()) return;
  OneMember etcd;
  EtcdClient& client = etcd.client;
  LeaderElection& a = etcd.a;
  const std::int64_t epoch = elect(a);
  EtcdLogWriter first = writer_of(client, epoch);
  EtcdLogWriter second = writer_of(client, epoch);
  REQUIRE(first.append(chunks_of({"x"}), 1, "h1").is_ok());
  // A multi-chunk batch fails at its first chunk and leaves the tail where it was.
  CHECK(second.append(chunks_of({"y", "z"}), 2, "h2").code() == StatusCode::unavailable);
  CHECK(tail_now(client) == first.tail());
}

TEST_CASE("etcd log: chunks and heads at their limits", "[process][etcd]") {
  if (etcd_missing()) return;
  OneMember etcd;
  EtcdClient& client = etcd.client;
  LeaderElection& a = etcd.a;
  EtcdLogWriter writer = writer_of(client, elect(a));
  const std::string head_max(head_bytes_max, 'h');
  CHECK(writer.append(chunks_of({std::string(chunk_bytes_max - 1, 'c')}), 1, "h").is_ok());
  CHECK(writer.append(chunks_of({std::string(chunk_bytes_max, 'c')}), 2, head_max).is_ok());
  CHECK(writer.append(chunks_of({std::string(chunk_bytes_max + 1, 'c')}), 3, "h").code() ==
        StatusCode::invalid_argument);
  CHECK(writer.append(chunks_of({""}), 3, "h").code() == StatusCode::invalid_argument);
  CHECK(writer.append({}, 3, "h").code() == StatusCode::invalid_argument);
  CHECK(writer.append(chunks_of({"c"}), 3, head_max + "h").code() == StatusCode::invalid_argument);
  CHECK(tail_now(client).chunks == 2);
  CHECK(tail_now(client).head == head_max);
}

TEST_CASE("etcd log: a long log is read in pages of chunks_per_read_max", "[process][etcd]") {
  if (etcd_missing()) return;
  OneMember etcd;
  EtcdClient& client = etcd.client;
  LeaderElection& a = etcd.a;
  EtcdLogWriter writer = writer_of(client, elect(a));
  const std::size_t total = chunks_per_read_max + 1;
  std::vector<std::string> written;
  for (std::size_t chunk = 1; chunk <= total; ++chunk) written.push_back(fmt::format("c{}", chunk));
  REQUIRE(writer.append(written, total, "h").is_ok());
  const Result<std::vector<std::string>> page = read_etcd_log_chunks(client, keys, 1, total);
  REQUIRE(page.ok());
  REQUIRE(page->size() == chunks_per_read_max);
  const Result<std::vector<std::string>> rest =
      read_etcd_log_chunks(client, keys, chunks_per_read_max + 1, total);
  REQUIRE(rest.ok());
  CHECK(*rest == chunks_of({written.back()}));
}

TEST_CASE("etcd log: the tail's value round-trips and anything else is corruption", "[etcd]") {
  const std::uint64_t largest = std::numeric_limits<std::uint64_t>::max();
  const EtcdLogTail tail{largest, largest, std::string(head_bytes_max, 'f'), 9};
  const Result<EtcdLogTail> back = decode_etcd_log_tail(encode_etcd_log_tail(tail), 9);
  REQUIRE(back.ok());
  CHECK(*back == tail);
  for (const std::string_view bad :
       {"", "[]", "{}", "not json", R"({"chunks":1,"sequence":2})",
        R"({"chunks":-1,"sequence":2,"head":"h"})", R"({"chunks":1.5,"sequence":2,"head":"h"})",
        R"({"chunks":1,"sequence":2,"head":7})",
        R"({"chunks":1,"sequence":2,"head":"h","extra":0})"}) {
    CAPTURE(bad);
    CHECK(decode_etcd_log_tail(bad, 1).status().code() == StatusCode::corruption);
  }
  const std::string long_head = fmt::format(R"({{"chunks":1,"sequence":2,"head":"{}"}})",
                                            std::string(head_bytes_max + 1, 'h'));
  CHECK(decode_etcd_log_tail(long_head, 1).status().code() == StatusCode::corruption);
}

TEST_CASE("election: the key's value round-trips and anything else is corruption", "[etcd]") {
  const NodeIdentity node{"node-1", "https://loket-1.example:8443"};
  const Result<NodeIdentity> back = decode_node_identity(encode_node_identity(node));
  REQUIRE(back.ok());
  CHECK(back->name == node.name);
  CHECK(back->url == node.url);
  for (const std::string_view bad : {"", "{}", R"({"node":"a"})", R"({"node":1,"url":"u"})",
                                     R"({"node":"a","url":"u","x":1})"}) {
    CAPTURE(bad);
    CHECK(decode_node_identity(bad).status().code() == StatusCode::corruption);
  }
  EtcdClient client = std::move(*EtcdClient::create({{"http://127.0.0.1:1"}}));
  CHECK(LeaderElection::create(client, "", node, 1).status().code() ==
        StatusCode::invalid_argument);
  CHECK(LeaderElection::create(client, "k", node, 0).status().code() ==
        StatusCode::invalid_argument);
  CHECK(LeaderElection::create(client, "k", node, 1).ok());
  CHECK(LeaderElection::create(client, "k", node, etcd_limits::lease_ttl_seconds_max).ok());
  CHECK(LeaderElection::create(client, "k", node, etcd_limits::lease_ttl_seconds_max + 1)
            .status()
            .code() == StatusCode::invalid_argument);
}

}  // namespace
}  // namespace loket
