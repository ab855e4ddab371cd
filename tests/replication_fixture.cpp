#include "tests/replication_fixture.hpp"

#include "replication/replicated_log.hpp"
#include "storage/record.hpp"
#include "tests/harness.hpp"
#include "tests/journal_writer.hpp"

namespace loket::testing {

std::unique_ptr<EtcdClient> etcd_client_on_heap(const EtcdCluster& cluster) {
  return std::make_unique<EtcdClient>(etcd_client_of(cluster.client_urls()));
}

Leader elect(const EtcdCluster& cluster, std::string name) {
  Leader leader;
  leader.election_client = etcd_client_on_heap(cluster);
  Result<LeaderElection> election = LeaderElection::create(
      *leader.election_client, tiny_log_keys.election_key(), {name, "http://127.0.0.1:1"}, 10);
  REQUIRE(election.ok());
  leader.election.emplace(std::move(*election));
  const Result<Campaign> campaign = leader.election->campaign_once();
  REQUIRE(campaign.ok());
  REQUIRE(campaign->elected);
  leader.epoch = campaign->leader->epoch;
  return leader;
}

std::unique_ptr<DurableLog> replicated_log_of(const EtcdCluster& cluster, Journal& journal,
                                              std::int64_t epoch, std::uint64_t durable_through) {
  std::unique_ptr<EtcdClient> client = etcd_client_on_heap(cluster);
  Result<EtcdLogWriter> writer =
      EtcdLogWriter::take_over(*client, tiny_log_keys, epoch, to_hex(genesis_hash(tiny_scheme)));
  REQUIRE(writer.ok());
  Result<std::unique_ptr<ReplicatedLog>> log = ReplicatedLog::create(
      journal, GroupCommitLimits{}, {}, durable_through, std::move(client), std::move(*writer));
  REQUIRE(log.ok());
  return std::move(*log);
}

std::uint64_t submit(Sequencer& sequencer, std::size_t count) {
  submit_registrations(sequencer, count, R"({"x":1})");
  sequencer.log()->flush();
  return sequencer.last_sequence();
}

ReplicatedLeader::ReplicatedLeader()
    : journal(open_for_writing(folder.path("journal"))), leader(elect(cluster, "a")) {
  sequencer = std::make_unique<Sequencer>(
      std::make_unique<Allocator>(scheme_from_toml(tiny_scheme)),
      replicated_log_of(cluster, *journal, leader.epoch), new_journal_summary(tiny_scheme));
}

ReplicatedLeader::~ReplicatedLeader() {
  stop();
}

void ReplicatedLeader::stop() {
  sequencer.reset();
  journal.reset();
}

}  // namespace loket::testing
