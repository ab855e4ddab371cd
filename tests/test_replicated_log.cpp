// The leader's replicated log (replication/replicated_log.hpp) against a real etcd member and a
// real journal: what the Sequencer seals reaches etcd as the same hash chain, a sequence counts
// as durable only once both hold it, and a leader fenced out by a new one stops at once.
// Process tier; skipped, with a warning, only where etcd is not installed.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "core/record_stream.hpp"
#include "core/sequencer.hpp"
#include "storage/format.hpp"
#include "storage/record.hpp"
#include "storage/replay.hpp"
#include "tests/replication_fixture.hpp"

namespace loket {
namespace {

using testing::EtcdCluster;
using testing::TempFolder;
using testing::tiny_scheme;

using testing::ReplicatedLeader;
using testing::submit;
const EtcdLogKeys& keys = testing::tiny_log_keys;

std::unique_ptr<EtcdClient> client_of(const EtcdCluster& cluster) {
  return testing::etcd_client_on_heap(cluster);
}

// Every record etcd holds, decoded, linked and in order; returns the last record's hash.
Sha256Digest check_etcd_chain(EtcdClient& client, std::uint64_t last_sequence,
                              const Sha256Digest& genesis) {
  const Result<EtcdLogTail> tail = read_etcd_log_tail(client, keys);
  REQUIRE(tail.ok());
  CHECK(tail->last_sequence == last_sequence);
  RecordStreamReader reader;
  for (std::uint64_t first = 1; first <= tail->chunks;) {
    const Result<std::vector<std::string>> chunks =
        read_etcd_log_chunks(client, keys, first, tail->chunks);
    REQUIRE(chunks.ok());
    for (const std::string& chunk : *chunks) reader.add_chunk(chunk);
    first += chunks->size();
  }
  Sha256Digest head = genesis;
  std::uint64_t sequence = 0;
  for (;;) {
    Result<std::string> record = reader.next_record();
    REQUIRE(record.ok());
    if (record->empty()) break;
    JournalRecord decoded;
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(record->data());
    REQUIRE(decode_record({bytes, record->size()}, decoded).is_ok());
    CHECK(decoded.sequence == sequence + 1);
    CHECK(decoded.previous_hash == head);
    sequence = decoded.sequence;
    head = decoded.record_hash;
  }
  CHECK(reader.at_record_end());
  CHECK(sequence == last_sequence);
  CHECK(to_hex(head) == tail->head);
  return head;
}

TEST_CASE("replicated log: etcd holds the journal's own hash chain, durable when both hold it",
          "[process][etcd]") {
  if (testing::etcd_missing()) return;
  ReplicatedLeader replicated;
  Sequencer& sequencer = *replicated.sequencer;
  std::uint64_t last = 0;
  for (const std::size_t burst : {1U, 2U, 300U, 1U}) {
    last = submit(sequencer, burst);
    REQUIRE(sequencer.log()->wait_durable(last).is_ok());
    CHECK(sequencer.log()->durable_sequence() == last);
  }
  std::unique_ptr<EtcdClient> reader = client_of(replicated.cluster);
  const Sha256Digest genesis = genesis_hash(tiny_scheme);
  CHECK(check_etcd_chain(*reader, last, genesis) == sequencer.head_hash());
  const JournalSummary local = verify_records(*replicated.journal);
  CHECK(local.last_sequence == last);
  CHECK(local.head_hash == sequencer.head_hash());
}

TEST_CASE("replicated log: a leader fenced out by a new one acknowledges nothing more",
          "[process][etcd]") {
  if (testing::etcd_missing()) return;
  ReplicatedLeader replicated;
  Sequencer& sequencer = *replicated.sequencer;
  const EtcdCluster& cluster = replicated.cluster;
  const std::uint64_t acknowledged = submit(sequencer, 10);
  REQUIRE(sequencer.log()->wait_durable(acknowledged).is_ok());

  REQUIRE(replicated.leader.election->resign().is_ok());
  testing::Leader new_leader = testing::elect(cluster, "b");
  std::unique_ptr<EtcdClient> client = client_of(cluster);
  REQUIRE(EtcdLogWriter::take_over(*client, keys, new_leader.epoch, "").ok());

  const std::uint64_t refused = submit(sequencer, 5);
  const Status waited = sequencer.log()->wait_durable(refused);
  CHECK(waited.code() == StatusCode::unavailable);
  CHECK(sequencer.log()->status().code() == StatusCode::unavailable);
  CHECK(sequencer.log()->durable_sequence() == acknowledged);
  // The local journal may hold the refused records; etcd, the record of the cluster, does not.
  CHECK(read_etcd_log_tail(*client, keys)->last_sequence == acknowledged);
  // Nothing more is ever acknowledged, whatever is appended.
  submit(sequencer, 1);
  CHECK(sequencer.log()->wait_durable(sequencer.last_sequence()).code() == StatusCode::unavailable);
}

TEST_CASE("record stream: records of any size cross chunk borders whole", "[etcd]") {
  std::string stream;
  const std::vector<std::string> records = {"a", std::string(2500, 'b'), "cc",
                                            std::string(1000, 'd')};
  for (const std::string& record : records) append_framed_record(stream, record);
  for (const std::size_t chunk_bytes : {std::size_t{1}, std::size_t{3}, std::size_t{4},
                                        std::size_t{5}, std::size_t{1024}, stream.size()}) {
    CAPTURE(chunk_bytes);
    RecordStreamReader reader;
    std::vector<std::string> read;
    for (const std::string& chunk : cut_into_chunks(stream, chunk_bytes)) {
      CHECK(chunk.size() <= chunk_bytes);
      reader.add_chunk(chunk);
      for (Result<std::string> record = reader.next_record(); record.ok() && !record->empty();
           record = reader.next_record()) {
        read.push_back(*record);
      }
    }
    CHECK(read == records);
    CHECK(reader.at_record_end());
  }
}

TEST_CASE("record stream: a length of zero or over the record limit is corruption", "[etcd]") {
  for (const std::uint32_t length :
       {std::uint32_t{0}, static_cast<std::uint32_t>(journal_format::record_bytes_max + 1),
        UINT32_MAX}) {
    CAPTURE(length);
    std::string stream;
    for (int byte = 0; byte < 4; ++byte) stream.push_back(static_cast<char>(length >> (8 * byte)));
    RecordStreamReader reader;
    reader.add_chunk(stream);
    CHECK(reader.next_record().status().code() == StatusCode::corruption);
  }
  // At the limit the reader waits for the rest, as for any record.
  std::string stream;
  const auto largest = static_cast<std::uint32_t>(journal_format::record_bytes_max);
  for (int byte = 0; byte < 4; ++byte) stream.push_back(static_cast<char>(largest >> (8 * byte)));
  RecordStreamReader reader;
  reader.add_chunk(stream + "partial");
  const Result<std::string> waiting = reader.next_record();
  REQUIRE(waiting.ok());
  CHECK(waiting->empty());
  CHECK_FALSE(reader.at_record_end());
}

}  // namespace
}  // namespace loket
