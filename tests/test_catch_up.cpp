// Catching a node's journal up with the cluster's log before it leads
// (replication/catch_up.hpp), against a real etcd member and real journals: a new node ends
// with the leader's exact chain and Idempotency-Keys, a former leader's unreplicated records
// are dropped, and a journal that is not the cluster's, or too far behind, is refused.
#include <catch2/catch.hpp>

#include "replication/catch_up.hpp"
#include "storage/replay.hpp"
#include "tests/harness.hpp"
#include "tests/journal_writer.hpp"
#include "tests/replication_fixture.hpp"

namespace loket {
namespace {

using testing::etcd_missing;
using testing::ReplicatedLeader;
using testing::submit;
using testing::TempFolder;
using testing::tiny_scheme;
const EtcdLogKeys& keys = testing::tiny_log_keys;

Result<CaughtUp> catch_up(const ReplicatedLeader& leader, const std::string& folder) {
  std::unique_ptr<EtcdClient> client = testing::etcd_client_on_heap(leader.cluster);
  return catch_up_from_etcd(folder, std::string(tiny_scheme), RecoveryOptions{}, *client, keys);
}

// A journal of tiny_scheme that is not the cluster's: `events` registrations of its own.
void write_other_journal(const std::string& folder, std::size_t events,
                         std::size_t monitoring_bytes = 0) {
  std::unique_ptr<Journal> journal = testing::open_for_writing(folder);
  testing::BatchWriter writer;
  writer.write(*journal, events, monitoring_bytes);
}

// A registration with an Idempotency-Key, journaled with its tag.
IdempotencyTag submit_with_key(Sequencer& sequencer) {
  IdempotencyTag tag;
  tag.key_hash.fill(0x4b);
  tag.request_hash.fill(0x52);
  SubmitCommand command;
  command.tranche_id = "t";
  command.application_id = "KEYED";
  ParticipantKey participant{};
  participant.fill(0xee);
  command.participant = participant;
  REQUIRE(sequencer.apply(command, 1'606'809'600'000'000'000, "", tag).refusal == Refusal::none);
  return tag;
}

TEST_CASE("catch-up: a new node ends with the leader's chain, decisions and keys",
          "[process][etcd]") {
  if (etcd_missing()) return;
  ReplicatedLeader leader;
  Sequencer& sequencer = *leader.sequencer;
  submit(sequencer, 200);
  const IdempotencyTag tag = submit_with_key(sequencer);
  const std::uint64_t last = submit(sequencer, 50);
  REQUIRE(sequencer.log()->wait_durable(last).is_ok());

  TempFolder follower("follower");
  Result<CaughtUp> caught_up = catch_up(leader, follower.path("journal"));
  INFO(caught_up.status().message());
  REQUIRE(caught_up.ok());
  CHECK(caught_up->events_applied == last);
  CHECK(caught_up->records_dropped == 0);
  const Recovered& recovered = caught_up->recovered;
  CHECK(recovered.summary.last_sequence == last);
  CHECK(recovered.summary.head_hash == sequencer.head_hash());
  CHECK(recovered.allocator->last_sequence() == last);
  CHECK(recovered.allocator->tranche_status(0).applications_by_outcome ==
        sequencer.allocator().tranche_status(0).applications_by_outcome);
  REQUIRE(recovered.keys.find(tag) != nullptr);
  CHECK(recovered.keys.find(tag)->accepted->sequence == 201);
  const JournalSummary journal = verify_records(*recovered.journal);
  CHECK(journal.last_sequence == last);
  CHECK(journal.head_hash == sequencer.head_hash());

  // Caught up again, with nothing new, it applies nothing.
  caught_up = Result<CaughtUp>(Status::unavailable("closed"));
  Result<CaughtUp> again = catch_up(leader, follower.path("journal"));
  REQUIRE(again.ok());
  CHECK(again->events_applied == 0);
  CHECK(again->recovered.summary.head_hash == sequencer.head_hash());
}

TEST_CASE("catch-up: a former leader's records past etcd's tail are dropped", "[process][etcd]") {
  if (etcd_missing()) return;
  ReplicatedLeader leader;
  const std::uint64_t acknowledged = submit(*leader.sequencer, 10);
  REQUIRE(leader.sequencer->log()->wait_durable(acknowledged).is_ok());
  const Sha256Digest acknowledged_head = leader.sequencer->head_hash();
  // Another node takes over; this one's next records reach its own disk only.
  REQUIRE(leader.leader.election->resign().is_ok());
  testing::Leader next = testing::elect(leader.cluster, "b");
  std::unique_ptr<EtcdClient> client = testing::etcd_client_on_heap(leader.cluster);
  REQUIRE(EtcdLogWriter::take_over(*client, keys, next.epoch, "").ok());
  const std::uint64_t unreplicated = submit(*leader.sequencer, 5);
  REQUIRE(leader.sequencer->log()->wait_durable(unreplicated).code() == StatusCode::unavailable);
  leader.stop();

  Result<CaughtUp> caught_up = catch_up(leader, leader.journal_folder());
  INFO(caught_up.status().message());
  REQUIRE(caught_up.ok());
  CHECK(caught_up->records_dropped == 5);
  CHECK(caught_up->recovered.summary.last_sequence == acknowledged);
  CHECK(caught_up->recovered.summary.head_hash == acknowledged_head);
  CHECK(verify_records(*caught_up->recovered.journal).last_sequence == acknowledged);
}

TEST_CASE("catch-up: a former leader's records that the next leader overtook are dropped",
          "[process][etcd]") {
  if (etcd_missing()) return;
  ReplicatedLeader leader;
  const std::uint64_t acknowledged = submit(*leader.sequencer, 10);
  REQUIRE(leader.sequencer->log()->wait_durable(acknowledged).is_ok());
  // Node "b" catches up and leads; the old leader's next 5 records reach its own disk only,
  // while b journals 8 of its own under the same and later sequences.
  TempFolder other("next");
  Result<CaughtUp> next_node = catch_up(leader, other.path("journal"));
  REQUIRE(next_node.ok());
  REQUIRE(leader.leader.election->resign().is_ok());
  testing::Leader next = testing::elect(leader.cluster, "b");
  Recovered& recovered = next_node->recovered;
  Sequencer next_sequencer(
      std::move(recovered.allocator),
      testing::replicated_log_of(leader.cluster, *recovered.journal, next.epoch, acknowledged),
      recovered.summary, std::move(recovered.tree));
  const std::uint64_t unreplicated = submit(*leader.sequencer, 5);
  REQUIRE(leader.sequencer->log()->wait_durable(unreplicated).code() == StatusCode::unavailable);
  leader.stop();
  testing::submit_registrations(next_sequencer, 8, R"({"y":2})");
  next_sequencer.log()->flush();
  REQUIRE(next_sequencer.log()->wait_durable(acknowledged + 8).is_ok());

  Result<CaughtUp> caught_up = catch_up(leader, leader.journal_folder());
  INFO(caught_up.status().message());
  REQUIRE(caught_up.ok());
  CHECK(caught_up->records_dropped == 5);
  CHECK(caught_up->events_applied == 8);
  CHECK(caught_up->recovered.summary.last_sequence == acknowledged + 8);
  CHECK(caught_up->recovered.summary.head_hash == next_sequencer.head_hash());
  CHECK(verify_records(*caught_up->recovered.journal).head_hash == next_sequencer.head_hash());
}

TEST_CASE("catch-up: a journal that is not the cluster's is refused, and left as it was",
          "[process][etcd]") {
  if (etcd_missing()) return;
  ReplicatedLeader leader;
  const std::uint64_t last = submit(*leader.sequencer, 10);
  REQUIRE(leader.sequencer->log()->wait_durable(last).is_ok());

  // Another journal with other events under the same sequences: shorter, as long, longer.
  for (const std::size_t events : {5U, 10U, 12U}) {
    CAPTURE(events);
    TempFolder other("other");
    write_other_journal(other.path("journal"), events, 30);
    const Result<CaughtUp> refused = catch_up(leader, other.path("journal"));
    CHECK(refused.status().code() == StatusCode::corruption);
    Result<Recovered> kept = recover_journal(other.path("journal"), std::string(tiny_scheme));
    REQUIRE(kept.ok());
    CHECK(kept->summary.last_sequence == events);
  }
}

TEST_CASE("catch-up: a journal with events and a cluster that never wrote is refused",
          "[process][etcd]") {
  if (etcd_missing()) return;
  testing::EtcdCluster cluster(1);
  TempFolder folder("alone");
  write_other_journal(folder.path("journal"), 3);
  std::unique_ptr<EtcdClient> client = testing::etcd_client_on_heap(cluster);
  const Result<CaughtUp> refused = catch_up_from_etcd(
      folder.path("journal"), std::string(tiny_scheme), RecoveryOptions{}, *client, keys);
  CHECK(refused.status().code() == StatusCode::invalid_argument);
  // An empty journal and an empty cluster: nothing to do.
  const Result<CaughtUp> empty = catch_up_from_etcd(folder.path("new"), std::string(tiny_scheme),
                                                    RecoveryOptions{}, *client, keys);
  REQUIRE(empty.ok());
  CHECK(empty->recovered.summary.last_sequence == 0);
}

TEST_CASE("catch-up: a journal with events and a log started again from nothing is kept",
          "[process][etcd]") {
  if (etcd_missing()) return;
  ReplicatedLeader leader;  // it took the log over: a tail at the genesis head, no events
  TempFolder folder("old-node");
  write_other_journal(folder.path("journal"), 3);
  const Result<CaughtUp> refused = catch_up(leader, folder.path("journal"));
  CHECK(refused.status().code() == StatusCode::invalid_argument);
  Result<Recovered> kept = recover_journal(folder.path("journal"), std::string(tiny_scheme));
  REQUIRE(kept.ok());
  CHECK(kept->summary.last_sequence == 3);
}

TEST_CASE("catch-up: a node behind the chunks etcd still holds must be seeded", "[process][etcd]") {
  if (etcd_missing()) return;
  ReplicatedLeader leader;
  Sequencer& sequencer = *leader.sequencer;
  REQUIRE(sequencer.log()->wait_durable(submit(sequencer, 3)).is_ok());
  std::unique_ptr<EtcdClient> client = testing::etcd_client_on_heap(leader.cluster);
  const std::uint64_t first_batch_chunks = read_etcd_log_tail(*client, keys)->chunks;
  REQUIRE(sequencer.log()->wait_durable(submit(sequencer, 3)).is_ok());
  REQUIRE(trim_etcd_log(*client, keys, first_batch_chunks + 1).is_ok());

  TempFolder follower("behind");
  const Result<CaughtUp> refused = catch_up(leader, follower.path("journal"));
  CHECK(refused.status().code() == StatusCode::not_found);
  CHECK_THAT(refused.status().message(), Catch::Contains("seed this node"));
}

}  // namespace
}  // namespace loket
