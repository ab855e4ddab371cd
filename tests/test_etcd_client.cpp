// The etcd client against real etcd members (tests/etcd_cluster.hpp), process tier: bytes,
// fenced transactions, leases, the size limit at its edge, status and compaction, and a
// three-member cluster losing the member the client talks to. Skipped, with a warning, only
// where etcd is not installed.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "cluster/etcd_client.hpp"
#include "tests/etcd_test.hpp"

namespace loket {
namespace {

using testing::etcd_missing;
using testing::EtcdCluster;

EtcdClient client_of(const std::vector<std::string>& endpoints) {
  return testing::etcd_client_of(endpoints);
}

std::string every_byte() {
  std::string bytes;
  for (int value = 0; value < 256; ++value) bytes.push_back(static_cast<char>(value));
  return bytes;
}

// A put whose size, as etcd counts it, is exactly `request_bytes`.
EtcdPut put_of_size(std::string key, std::size_t request_bytes) {
  EtcdPut put{std::move(key), {}, 0};
  put.value.assign(request_bytes - etcd_request_bytes(put), 'v');
  return put;
}

std::int64_t newest_revision(EtcdClient& client) {
  const Result<EtcdRangeResult> range = client.range(EtcdRange::single("any"));
  REQUIRE(range.ok());
  return range->header.revision;
}

TEST_CASE("etcd: keys and values of any bytes round-trip, singly and by prefix",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = client_of(cluster.client_urls());
  const std::string bytes = every_byte();
  const std::string prefix = std::string("bin/\0\xff", 6);
  REQUIRE(client.put({prefix + bytes, bytes + bytes, 0}).ok());
  REQUIRE(client.put({prefix + "empty", "", 0}).ok());
  REQUIRE(client.put({prefix + std::string(1, '\xff'), std::string(1, '\0'), 0}).ok());

  const Result<EtcdRangeResult> single = client.range(EtcdRange::single(prefix + bytes));
  REQUIRE(single.ok());
  REQUIRE(single->kvs.size() == 1);
  CHECK(single->kvs[0].key == prefix + bytes);
  CHECK(single->kvs[0].value == bytes + bytes);
  CHECK(single->kvs[0].version == 1);

  const Result<EtcdRangeResult> page = client.range(EtcdRange::prefix(prefix, 2));
  REQUIRE(page.ok());
  CHECK(page->count == 3);
  CHECK(page->more);
  REQUIRE(page->kvs.size() == 2);
  CHECK(page->kvs[0].key == prefix + bytes);  // byte order: "\0..." sorts first
  CHECK(page->kvs[1].key == prefix + "empty");
  CHECK(page->kvs[1].value.empty());
  const Result<EtcdRangeResult> all = client.range(EtcdRange::prefix(prefix));
  REQUIRE(all.ok());
  CHECK_FALSE(all->more);
  REQUIRE(all->kvs.size() == 3);
  CHECK(all->kvs[2].value == std::string(1, '\0'));

  const Result<EtcdDeleteResult> deleted = client.delete_range({prefix, etcd_prefix_end(prefix)});
  REQUIRE(deleted.ok());
  CHECK(deleted->deleted == 3);
  CHECK(client.range(EtcdRange::prefix(prefix))->count == 0);
}

TEST_CASE("etcd: a transaction fenced on a revision succeeds once and fails when stale",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = client_of(cluster.client_urls());
  const Result<EtcdPutResult> first = client.put({"tail", "1", 0});
  REQUIRE(first.ok());
  const std::int64_t seen = first->header.revision;

  EtcdTxn append;
  append.compares.push_back(EtcdCompare::mod_revision_is("tail", EtcdCompareOp::equal, seen));
  append.success = {EtcdPut{"log/2", "entry 2", 0}, EtcdPut{"tail", "2", 0}};
  append.failure = {EtcdRange::single("tail")};
  const Result<EtcdTxnResult> won = client.txn(append);
  REQUIRE(won.ok());
  CHECK(won->succeeded);
  CHECK(won->header.revision == seen + 1);  // both puts in one revision
  REQUIRE(won->results.size() == 2);
  CHECK(std::holds_alternative<EtcdPutResult>(won->results[0]));

  const Result<EtcdTxnResult> stale = client.txn(append);
  REQUIRE(stale.ok());
  CHECK_FALSE(stale->succeeded);
  REQUIRE(stale->results.size() == 1);
  const auto& tail = std::get<EtcdRangeResult>(stale->results[0]);
  REQUIRE(tail.kvs.size() == 1);
  CHECK(tail.kvs[0].value == "2");
  CHECK(tail.kvs[0].mod_revision == seen + 1);
  CHECK(client.range(EtcdRange::prefix("log/"))->count == 1);

  // The other targets and operators, each holding and not holding.
  const auto holds = [&](EtcdCompare compare) {
    EtcdTxn txn;
    txn.compares.push_back(std::move(compare));
    const Result<EtcdTxnResult> result = client.txn(txn);
    REQUIRE(result.ok());
    return result->succeeded;
  };
  CHECK(holds(EtcdCompare::version_is("tail", EtcdCompareOp::equal, 2)));
  CHECK_FALSE(holds(EtcdCompare::version_is("tail", EtcdCompareOp::greater, 2)));
  CHECK(holds(EtcdCompare::create_revision_is("tail", EtcdCompareOp::equal, seen)));
  CHECK(holds(EtcdCompare::create_revision_is("missing", EtcdCompareOp::equal, 0)));
  CHECK(holds(EtcdCompare::mod_revision_is("tail", EtcdCompareOp::less, seen + 2)));
  CHECK_FALSE(holds(EtcdCompare::mod_revision_is("tail", EtcdCompareOp::not_equal, seen + 1)));
  CHECK(holds(EtcdCompare::value_is("tail", EtcdCompareOp::equal, "2")));
  CHECK(holds(EtcdCompare::value_is("tail", EtcdCompareOp::greater, "1")));
  CHECK_FALSE(holds(EtcdCompare::value_is("tail", EtcdCompareOp::not_equal, "2")));
}

TEST_CASE("etcd: a lease that is not kept alive expires and takes its key, a revoked one at once",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = client_of(cluster.client_urls());
  const Result<EtcdLease> lease = client.grant_lease(1);
  REQUIRE(lease.ok());
  CHECK(lease->ttl_seconds >= 1);
  REQUIRE(client.put({"leader", "node-a", lease->id}).ok());
  const Result<EtcdRangeResult> held = client.range(EtcdRange::single("leader"));
  REQUIRE(held.ok());
  REQUIRE(held->kvs.size() == 1);
  CHECK(held->kvs[0].lease == lease->id);
  const Result<EtcdLease> renewed = client.keep_lease_alive_once(lease->id);
  REQUIRE(renewed.ok());
  CHECK(renewed->id == lease->id);

  const auto started = std::chrono::steady_clock::now();
  while (client.range(EtcdRange::single("leader"))->count != 0 &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(10)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(client.range(EtcdRange::single("leader"))->count == 0);
  CHECK(client.keep_lease_alive_once(lease->id).status().code() == StatusCode::not_found);

  const Result<EtcdLease> revoked = client.grant_lease(60);
  REQUIRE(revoked.ok());
  REQUIRE(client.put({"leader", "node-b", revoked->id}).ok());
  REQUIRE(client.revoke_lease(revoked->id).is_ok());
  CHECK(client.range(EtcdRange::single("leader"))->count == 0);
  CHECK(client.revoke_lease(revoked->id).code() == StatusCode::not_found);
  CHECK(client.put({"k", "v", 999}).status().code() == StatusCode::not_found);  // no such lease
}

TEST_CASE("etcd: a request at the size limit commits, one byte over is refused before sending",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = client_of(cluster.client_urls());
  const std::size_t limit = etcd_limits::server_request_bytes_max;
  for (const std::size_t size : {limit - 1, limit}) {
    const EtcdPut put = put_of_size("big", size);
    REQUIRE(client.put(put).ok());
    const Result<EtcdRangeResult> read = client.range(EtcdRange::single("big"));
    REQUIRE(read.ok());
    CHECK(read->kvs.at(0).value == put.value);
  }
  const std::int64_t before = newest_revision(client);
  const Result<EtcdPutResult> over = client.put(put_of_size("big", limit + 1));
  CHECK(over.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(over.status().message(), Catch::Contains("nothing was sent"));
  CHECK(newest_revision(client) == before);

  // Without the client's check, etcd itself refuses: the limit is etcd's, not the client's.
  EtcdClientOptions unchecked{cluster.client_urls()};
  unchecked.request_bytes_max = 2 * limit;
  Result<EtcdClient> reckless = EtcdClient::create(unchecked);
  REQUIRE(reckless.ok());
  const Result<EtcdPutResult> refused = reckless->put(EtcdPut{"big", std::string(limit, 'v'), 0});
  CHECK(refused.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Contains("request is too large"));
  CHECK(newest_revision(client) == before);
}

TEST_CASE("etcd: status names the leader, compaction forgets old revisions, defragment runs",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = client_of(cluster.client_urls());
  const Result<EtcdMemberStatus> status = client.status();
  REQUIRE(status.ok());
  CHECK(status->leader != 0);
  CHECK(status->leader == status->header.member_id);  // one member leads itself
  CHECK(status->raft_index > 0);
  CHECK_THAT(status->version, Catch::StartsWith("3.4."));

  std::int64_t middle = 0;
  for (int round = 0; round < 3; ++round) {
    const Result<EtcdPutResult> put = client.put({"k", std::to_string(round), 0});
    REQUIRE(put.ok());
    if (round == 1) middle = put->header.revision;
  }
  REQUIRE(client.compact(middle).is_ok());
  CHECK(client.range(EtcdRange{"k", {}, 0, middle})->kvs.at(0).value == "1");
  const Result<EtcdRangeResult> forgotten = client.range(EtcdRange{"k", {}, 0, middle - 1});
  CHECK(forgotten.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(forgotten.status().message(), Catch::Contains("compacted"));
  CHECK(client.compact(middle).code() == StatusCode::invalid_argument);  // done already
  CHECK(client.defragment(0).is_ok());
  CHECK(client.member_status(0).ok());
  CHECK(client.member_status(1).status().code() == StatusCode::invalid_argument);
}

}  // namespace
}  // namespace loket
