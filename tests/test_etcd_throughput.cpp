// How many fenced transactions a three-member etcd on loopback commits, one at a time, as the
// replicated journal will send them (one per group-commit batch). Hidden: run on demand,
//   build/dev/tests/loket_tests "[etcd-throughput]"
// and the figures go to docs/cluster.md.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>

#include "cluster/etcd_client.hpp"
#include "tests/etcd_cluster.hpp"

namespace loket {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::chrono::seconds run_time{5};

// Appends entries of `value_bytes` for run_time, each a transaction fenced on the tail's
// revision that puts the entry and the new tail; prints the rate and latency percentiles.
void measure(EtcdClient& client, std::size_t value_bytes) {
  const Result<EtcdPutResult> started = client.put({"tail", "0", 0});
  REQUIRE(started.ok());
  std::int64_t tail_revision = started->header.revision;
  const std::string value(value_bytes, 'v');
  std::vector<double> latencies_ms;
  const Clock::time_point begin = Clock::now();
  while (Clock::now() - begin < run_time) {
    const std::string entry = std::to_string(latencies_ms.size() + 1);
    EtcdTxn txn;
    txn.compares.push_back(
        EtcdCompare::mod_revision_is("tail", EtcdCompareOp::equal, tail_revision));
    txn.success = {EtcdPut{"log/" + entry, value, 0}, EtcdPut{"tail", entry, 0}};
    const Clock::time_point sent = Clock::now();
    const Result<EtcdTxnResult> result = client.txn(txn);
    REQUIRE(result.ok());
    REQUIRE(result->succeeded);
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    tail_revision = result->header.revision;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto percentile = [&](double fraction) {
    return latencies_ms[static_cast<std::size_t>(fraction *
                                                 static_cast<double>(latencies_ms.size() - 1))];
  };
  fmt::print(
      "fenced txn, {} B value: {} in {:.1f} s = {:.0f}/s; p50 {:.2f} ms, p99 {:.2f} ms, "
      "max {:.2f} ms\n",
      value_bytes, latencies_ms.size(), seconds, static_cast<double>(latencies_ms.size()) / seconds,
      percentile(0.5), percentile(0.99), latencies_ms.back());
  REQUIRE(client.delete_range({"log/", etcd_prefix_end("log/")}).ok());
}

TEST_CASE("etcd: fenced transactions per second on a three-member loopback cluster",
          "[.etcd-throughput]") {
  REQUIRE(testing::find_etcd_program());
  testing::EtcdCluster cluster(3);
  Result<EtcdClient> client = EtcdClient::create({cluster.client_urls()});
  REQUIRE(client.ok());
  for (const std::size_t value_bytes :
       {std::size_t{100}, std::size_t{40 * 1024}, std::size_t{1024 * 1024}}) {
    measure(*client, value_bytes);
  }
}

}  // namespace
}  // namespace loket
