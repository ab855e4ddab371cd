#include "replication/catch_up.hpp"

#include <fmt/format.h>

#include "core/replica_feed.hpp"
#include "core/sequencer.hpp"
#include "core/synced_batch_log.hpp"

namespace loket {
namespace {

// The chain head after event `sequence` of the journal: the hash of its last record.
Result<Sha256Digest> journal_head_at(const Journal& journal, std::uint64_t sequence) {
  if (sequence == 0) return genesis_hash(journal.scheme_text());
  std::optional<Sha256Digest> head;
  for (Journal::Cursor cursor = journal.records(sequence);
       cursor.valid() && cursor.sequence() == sequence; cursor.next()) {
    RecordSeal seal;
    const Status checked = check_record_seal(cursor.bytes(), seal);
    if (!checked.is_ok()) return checked.with_code(StatusCode::corruption);
    head = seal.record_hash;
  }
  if (!head) return Status::corruption(fmt::format("the journal has no event {}", sequence));
  return *head;
}

Status behind_etcd(std::uint64_t last, std::uint64_t first_held) {
  return Status::not_found(fmt::format(
      "this journal ends at event {} and etcd's log now starts at event {}: the events between "
      "were trimmed; seed this node from a copy of another node's journal (docs/cluster.md)",
      last, first_held));
}

// Applies etcd's events after the journal's last, chunks first_chunk through last_chunk (none
// when first_chunk is 0), through a Sequencer over the journal; each read is one synced batch.
Result<std::uint64_t> apply_from_etcd(Recovered& recovered, EtcdClient& client,
                                      const EtcdLogKeys& keys, std::uint64_t first_chunk,
                                      std::uint64_t last_chunk) {
  const std::uint64_t last = recovered.summary.last_sequence;
  Sequencer sequencer(std::move(recovered.allocator),
                      std::make_unique<SyncedBatchLog>(recovered.journal.get(), last),
                      recovered.summary, std::move(recovered.tree));
  ReplicaFeed feed;
  std::uint64_t applied_events = 0;
  for (std::uint64_t next = first_chunk; next != 0 && next <= last_chunk;) {
    Result<std::vector<std::string>> chunks = read_etcd_log_chunks(client, keys, next, last_chunk);
    if (!chunks.ok()) return chunks.status();
    for (const std::string& chunk : *chunks) feed.add_chunk(chunk);
    next += chunks->size();
    Result<std::uint64_t> applied = feed.apply_available(sequencer, recovered.keys);
    if (!applied.ok()) return applied.status();
    applied_events += *applied;
    sequencer.log()->flush();
  }
  if (!feed.at_event_end()) {
    return Status::corruption("etcd's log ends inside a record or a split event");
  }
  if (Status durable = sequencer.log()->wait_durable(sequencer.last_sequence()); !durable.is_ok()) {
    return durable;
  }
  recovered.summary.records += applied_events;
  recovered.summary.last_sequence = sequencer.last_sequence();
  recovered.summary.last_timestamp = sequencer.last_timestamp();
  recovered.summary.head_hash = sequencer.head_hash();
  recovered.allocator = sequencer.release_allocator();
  recovered.tree = sequencer.release_decision_tree();
  return applied_events;
}

}  // namespace

namespace {

// The last event the journal shares with etcd's log, at or before `through`: the journal's
// events after it were never in etcd (this node led, and died between its own fsync and etcd's
// commit), so never acknowledged. corruption when not even etcd's first event there links to
// the journal: it is not a copy of the cluster's log.
Result<std::uint64_t> last_shared_event(const Journal& journal, std::uint64_t through,
                                        EtcdClient& client, const EtcdLogKeys& keys,
                                        std::uint64_t first_chunk, std::uint64_t last_chunk) {
  ReplicaFeed feed;
  std::optional<std::uint64_t> shared;
  for (std::uint64_t next = first_chunk; next != 0 && next <= last_chunk;) {
    Result<std::vector<std::string>> chunks = read_etcd_log_chunks(client, keys, next, last_chunk);
    if (!chunks.ok()) return chunks.status();
    for (const std::string& chunk : *chunks) feed.add_chunk(chunk);
    next += chunks->size();
    for (;;) {
      const Result<const JournalRecord*> event = feed.next_event();
      if (!event.ok()) return event.status();
      if (*event == nullptr) break;
      const std::uint64_t sequence = (*event)->sequence;
      if (sequence > through) return shared.value_or(through);
      if (!shared) {
        const Result<Sha256Digest> before = journal_head_at(journal, sequence - 1);
        if (!before.ok()) return before.status();
        if (*before != (*event)->previous_hash) break;  // no shared event to start from
      }
      const Result<Sha256Digest> head = journal_head_at(journal, sequence);
      if (!head.ok()) return head.status();
      if (*head != (*event)->record_hash) return sequence - 1;
      shared = sequence;
    }
    if (!shared) break;
  }
  if (shared) return *shared;
  return Status::corruption(
      "this journal does not share its events with the cluster's log: it is not a copy of it; "
      "seed this node from a copy of another node's journal (docs/cluster.md)");
}

}  // namespace

Result<CaughtUp> catch_up_from_etcd(const std::string& directory, const std::string& scheme_text,
                                    const RecoveryOptions& recovery, EtcdClient& client,
                                    const EtcdLogKeys& keys) {
  Result<Recovered> recovered = recover_journal(directory, scheme_text, recovery);
  if (!recovered.ok()) return recovered.status();
  const Result<EtcdLogTail> tail = read_etcd_log_tail(client, keys);
  if (!tail.ok()) return tail.status();
  CaughtUp caught_up{std::move(*recovered), 0, 0};
  const std::uint64_t last = caught_up.recovered.summary.last_sequence;
  if (tail->mod_revision == 0) {
    if (last == 0) return caught_up;
    return Status::invalid_argument(fmt::format(
        "{} holds {} events and the cluster's log in etcd was never written: a cluster starts "
        "from empty journals",
        directory, last));
  }
  Result<std::uint64_t> first_chunk = first_etcd_log_chunk(client, keys);
  if (!first_chunk.ok()) return first_chunk.status();
  // Events this journal holds that etcd's log does not were never acknowledged: they go.
  const auto drop_after = [&](std::uint64_t shared) -> Result<CaughtUp> {
    Status dropped = caught_up.recovered.journal->drop_records_after(shared);
    if (!dropped.is_ok()) return dropped;
    caught_up.recovered = Recovered{};  // closes the journal before it is opened again
    Result<CaughtUp> again = catch_up_from_etcd(directory, scheme_text, recovery, client, keys);
    if (again.ok()) again->records_dropped = last - shared;
    return again;
  };
  const auto drop_unshared = [&](Status otherwise) -> Result<CaughtUp> {
    const Result<std::uint64_t> shared =
        last_shared_event(*caught_up.recovered.journal, std::min(last, tail->last_sequence), client,
                          keys, *first_chunk, tail->chunks);
    if (!shared.ok()) return shared.status();
    // Sharing nothing, it may be another cluster's journal: kept, for an operator to look at.
    if (*shared == 0 || *shared >= last) return otherwise;
    return drop_after(*shared);
  };
  if (last > tail->last_sequence && tail->last_sequence == 0) {
    // The cluster's log was started again from nothing: this journal's events are not among
    // its unacknowledged ones, and are kept for an operator to look at.
    return Status::invalid_argument(fmt::format(
        "{} holds {} events and the cluster's log in etcd holds none: a cluster starts from "
        "empty journals, or its nodes are seeded from one node's journal (docs/cluster.md)",
        directory, last));
  }
  if (last > tail->last_sequence) {
    const Result<Sha256Digest> head =
        journal_head_at(*caught_up.recovered.journal, tail->last_sequence);
    if (!head.ok()) return head.status();
    if (to_hex(*head) == tail->head) return drop_after(tail->last_sequence);
    return drop_unshared(Status::corruption(fmt::format(
        "this journal's event {} is not the cluster's: it is not a copy of the cluster's log",
        tail->last_sequence)));
  }
  if (*first_chunk == 0 && last < tail->last_sequence) {
    return behind_etcd(last, tail->last_sequence + 1);
  }
  Result<std::uint64_t> applied =
      apply_from_etcd(caught_up.recovered, client, keys, *first_chunk, tail->chunks);
  if (!applied.ok()) {
    if (applied.status().code() != StatusCode::corruption) return applied.status();
    return drop_unshared(applied.status());  // perhaps this journal went on alone
  }
  caught_up.events_applied = *applied;
  caught_up.log_chunks = tail->chunks;
  const JournalSummary& summary = caught_up.recovered.summary;
  if (summary.last_sequence != tail->last_sequence || to_hex(summary.head_hash) != tail->head) {
    return Status::corruption(fmt::format(
        "after catching up, this journal ends at event {} and etcd's log at {} with another chain "
        "head: they disagree",
        summary.last_sequence, tail->last_sequence));
  }
  return caught_up;
}

}  // namespace loket
