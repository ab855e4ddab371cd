#include "replication/catch_up.hpp"

#include <fmt/format.h>

#include "core/sequencer.hpp"
#include "core/synced_batch_log.hpp"
#include "replication/record_stream.hpp"
#include "storage/event_parts.hpp"

namespace loket {
namespace {

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

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

// The whole events of etcd's log, from the first chunk it holds through the tail's.
class EtcdEvents {
 public:
  EtcdEvents(EtcdClient& client, const EtcdLogKeys& keys, std::uint64_t first_chunk,
             std::uint64_t last_chunk)
      : client_(client), keys_(keys), next_chunk_(first_chunk), last_chunk_(last_chunk) {}

  // The next whole event; nullptr after the last.
  Result<const JournalRecord*> next() {
    for (;;) {
      Result<std::string> record = reader_.next_record();
      if (!record.ok()) return record.status();
      if (record->empty()) {
        if (next_chunk_ == 0 || next_chunk_ > last_chunk_) return end_of_log();
        if (Status read = read_chunks(); !read.is_ok()) return read;
        continue;
      }
      bytes_ = std::move(*record);
      if (Status decoded = decode_record(as_bytes(bytes_), decoded_); !decoded.is_ok()) {
        return decoded.with_code(StatusCode::corruption);
      }
      std::string problem;
      const JournalRecord* event = assembler_.add(decoded_, as_bytes(bytes_), problem);
      if (!problem.empty()) return Status::corruption("etcd's log: " + problem);
      if (event != nullptr) return event;
    }
  }

 private:
  Status read_chunks() {
    Result<std::vector<std::string>> chunks =
        read_etcd_log_chunks(client_, keys_, next_chunk_, last_chunk_);
    if (!chunks.ok()) return chunks.status();
    for (const std::string& chunk : *chunks) reader_.add_chunk(chunk);
    next_chunk_ += chunks->size();
    return Status::ok();
  }
  Result<const JournalRecord*> end_of_log() const {
    if (!reader_.at_record_end() || assembler_.joining()) {
      return Status::corruption("etcd's log ends inside a record or a split event");
    }
    return static_cast<const JournalRecord*>(nullptr);
  }

  EtcdClient& client_;
  const EtcdLogKeys& keys_;
  std::uint64_t next_chunk_;  // 0: etcd holds no chunk
  const std::uint64_t last_chunk_;
  RecordStreamReader reader_;
  std::string bytes_;  // the current record's, which the event returned may view
  JournalRecord decoded_;
  EventAssembler assembler_;
};

Status behind_etcd(std::uint64_t last, std::uint64_t first_held) {
  return Status::not_found(fmt::format(
      "this journal ends at event {} and etcd's log now starts at event {}: the events between "
      "were trimmed; seed this node from a copy of another node's journal (docs/cluster.md)",
      last, first_held));
}

// Events written to the journal in one synced batch while catching up: each of them was
// checked before the batch is written.
constexpr std::uint64_t events_per_batch = 4096;

// Applies one event from etcd, or says why this journal cannot take it. Nothing is written
// yet: the Sequencer's log writes on flush only.
Status apply_checked(Sequencer& sequencer, IdempotencyIndex& keys, const JournalRecord& event) {
  if (event.sequence != sequencer.last_sequence() + 1) {
    return behind_etcd(sequencer.last_sequence(), event.sequence);
  }
  if (event.previous_hash != sequencer.head_hash()) {
    return Status::corruption(fmt::format(
        "event {} from etcd does not follow this journal's event {}: the journal is not a copy "
        "of the cluster's log; seed this node from a copy of another node's journal",
        event.sequence, sequencer.last_sequence()));
  }
  const Applied applied =
      sequencer.apply(event.command, event.received_at, event.monitoring_json, event.idempotency);
  if (applied.refusal != Refusal::none || applied.record_hash != event.record_hash) {
    return Status::corruption(fmt::format(
        "event {} from etcd does not re-derive to the same record on this node (another "
        "version of loket, or a damaged log): refusing to write it",
        event.sequence));
  }
  if (event.idempotency) {
    keys.remember(*event.idempotency,
                  Accepted::make(applied.sequence, applied.timestamp, applied.record_hash,
                                 event.command, applied.decisions));
  }
  return Status::ok();
}

// Applies etcd's events after the journal's last through a Sequencer over the journal.
Result<std::uint64_t> apply_from_etcd(Recovered& recovered, EtcdEvents& events) {
  const std::uint64_t last = recovered.summary.last_sequence;
  Sequencer sequencer(std::move(recovered.allocator),
                      std::make_unique<SyncedBatchLog>(recovered.journal.get(), last),
                      recovered.summary);
  std::uint64_t applied_events = 0;
  for (;;) {
    Result<const JournalRecord*> next = events.next();
    if (!next.ok()) return next.status();
    const JournalRecord* event = *next;
    if (event == nullptr) break;
    if (event->sequence <= last) continue;
    if (Status applied = apply_checked(sequencer, recovered.keys, *event); !applied.is_ok()) {
      return applied;
    }
    if (++applied_events % events_per_batch == 0) sequencer.log()->flush();
  }
  sequencer.log()->flush();
  if (Status durable = sequencer.log()->wait_durable(sequencer.last_sequence()); !durable.is_ok()) {
    return durable;
  }
  recovered.summary.records += applied_events;
  recovered.summary.last_sequence = sequencer.last_sequence();
  recovered.summary.last_timestamp = sequencer.last_timestamp();
  recovered.summary.head_hash = sequencer.head_hash();
  recovered.allocator = sequencer.release_allocator();
  return applied_events;
}

}  // namespace

namespace {

// The journal has events past etcd's tail: drops them when its chain at the tail is etcd's.
Result<std::uint64_t> drop_unreplicated(Recovered& recovered, const EtcdLogTail& tail) {
  const Result<Sha256Digest> head = journal_head_at(*recovered.journal, tail.last_sequence);
  if (!head.ok()) return head.status();
  if (to_hex(*head) != tail.head) {
    return Status::corruption(fmt::format(
        "this journal's event {} is not the cluster's (etcd's log ends there with another chain "
        "head): it is not a copy of the cluster's log; seed it from another node's journal",
        tail.last_sequence));
  }
  const std::uint64_t dropped = recovered.summary.last_sequence - tail.last_sequence;
  if (Status status = recovered.journal->drop_records_after(tail.last_sequence); !status.is_ok()) {
    return status;
  }
  return dropped;
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
  if (last > tail->last_sequence) {
    Result<std::uint64_t> dropped = drop_unreplicated(caught_up.recovered, *tail);
    if (!dropped.ok()) return dropped.status();
    caught_up.recovered = Recovered{};  // closes the journal before it is opened again
    Result<CaughtUp> again = catch_up_from_etcd(directory, scheme_text, recovery, client, keys);
    if (again.ok()) again->records_dropped = *dropped;
    return again;
  }
  Result<std::uint64_t> first_chunk = first_etcd_log_chunk(client, keys);
  if (!first_chunk.ok()) return first_chunk.status();
  if (*first_chunk == 0 && last < tail->last_sequence) {
    return behind_etcd(last, tail->last_sequence + 1);
  }
  EtcdEvents events(client, keys, *first_chunk, tail->chunks);
  Result<std::uint64_t> applied = apply_from_etcd(caught_up.recovered, events);
  if (!applied.ok()) return applied.status();
  caught_up.events_applied = *applied;
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
