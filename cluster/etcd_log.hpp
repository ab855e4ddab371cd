// The replicated journal as etcd holds it (docs/cluster.md): numbered chunks of bytes and a
// tail that says how many of them hold whole batches. The leader appends a batch as one or
// more chunks; the tail moves in the same transaction as the batch's last chunk, so a reader
// that trusts the tail sees every batch whole or not at all. Every write is fenced: it holds
// only while the election key is still the writer's (its epoch, cluster/election.hpp) and the
// tail is still where the writer last put it. A leader that lost its lease therefore cannot
// append, and two leaders can never both extend the log.
//
// Keys, under a prefix of the scheme's:
//   PREFIX "tail"            {"chunks": N, "sequence": S, "head": H}: chunks 1..N are whole
//                            batches ending at sequence S with chain head H (the writer's text)
//   PREFIX "log/" 20 digits  chunk number (from 1), zero-padded so key order is number order
// Chunks after the tail are a leader's unfinished batch: the next leader deletes them.
//
// This layer knows bytes, not records: what a chunk holds is the caller's (replication/).
// Threads: one caller at a time, like the EtcdClient it uses.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "cluster/etcd_client.hpp"

namespace loket {

namespace etcd_log_limits {
// A chunk's bytes: with the tail and the fences, its transaction stays well inside etcd's
// request limit (etcd_limits::server_request_bytes_max).
inline constexpr std::size_t chunk_bytes_max = 1024 * 1024;
// Chunks asked for in one range: their answer, base64-encoded, stays inside the client's
// response limit (etcd_limits::response_bytes_max).
inline constexpr std::size_t chunks_per_read_max = 32;
// Sending a fenced write again after its outcome was unknown and the tail shows it did not
// land.
inline constexpr std::size_t write_attempts_max = 3;
// The tail's value, and the chain head the writer gives it.
inline constexpr std::size_t tail_bytes_max = 512;
inline constexpr std::size_t head_bytes_max = 256;
}  // namespace etcd_log_limits

struct EtcdLogKeys {
  std::string prefix;  // e.g. "/loket/nl-leert-door/"; not empty
  std::string election_key() const { return prefix + "leader"; }
  std::string tail_key() const { return prefix + "tail"; }
  std::string chunk_key(std::uint64_t chunk) const;
  std::string chunks_prefix() const { return prefix + "log/"; }
};

struct EtcdLogTail {
  std::uint64_t chunks = 0;         // chunks 1..chunks hold whole batches
  std::uint64_t last_sequence = 0;  // the last sequence in them
  std::string head;                 // the chain head after it, as the writer gave it
  std::int64_t mod_revision = 0;    // the tail key's revision; 0: no tail yet (an empty log)
  bool operator==(const EtcdLogTail&) const = default;
};

// The tail as etcd holds it now; an empty log has chunks == 0 and mod_revision == 0.
Result<EtcdLogTail> read_etcd_log_tail(EtcdClient& client, const EtcdLogKeys& keys);

// Chunks first..last (inclusive, first >= 1), in order: at most chunks_per_read_max of them,
// fewer when the range is shorter. not_found when a chunk in the range is gone (trimmed: the
// reader is too far behind and must be seeded from a copy of a journal).
Result<std::vector<std::string>> read_etcd_log_chunks(EtcdClient& client, const EtcdLogKeys& keys,
                                                      std::uint64_t first, std::uint64_t last);

// The first chunk etcd still holds (trim_etcd_log removed those before it); 0 when none.
Result<std::uint64_t> first_etcd_log_chunk(EtcdClient& client, const EtcdLogKeys& keys);

// Deletes chunks 1..before-1: those every node has applied. `before - 1` must be a count of
// chunks a tail named, so that the first chunk kept starts a batch.
Status trim_etcd_log(EtcdClient& client, const EtcdLogKeys& keys, std::uint64_t before);

class EtcdLogWriter {
 public:
  // Takes over the log as the leader of `epoch`: reads the tail and deletes any chunk after
  // it (a former leader's unfinished batch), fenced on the epoch. A log without a tail (none
  // was ever written) gets one, of no chunks and the chain head `empty_head` (the genesis
  // hash): from then on a tail says that the cluster exists.
  static Result<EtcdLogWriter> take_over(EtcdClient& client, EtcdLogKeys keys, std::int64_t epoch,
                                         std::string_view empty_head);

  // Appends one batch of one or more chunks (each at most chunk_bytes_max, none empty), which
  // ends at last_sequence with chain head `head`. ok: the batch is in etcd, on a quorum's
  // disks. Otherwise nothing more may be acknowledged: unavailable when the fence failed (this
  // node no longer leads, or another wrote) or etcd could not be reached; invalid_argument for
  // a chunk out of bounds. The tail is unchanged after a failure.
  Status append(std::span<const std::string> chunks, std::uint64_t last_sequence,
                std::string_view head);

  const EtcdLogTail& tail() const { return tail_; }
  std::int64_t epoch() const { return epoch_; }

 private:
  EtcdLogWriter(EtcdClient& client, EtcdLogKeys keys, std::int64_t epoch, EtcdLogTail tail);
  Status write_fenced(std::string chunk_key, const std::string& chunk, const EtcdLogTail* new_tail);
  Status settle_unknown(const EtcdLogTail* new_tail);

  EtcdClient* client_;
  EtcdLogKeys keys_;
  std::int64_t epoch_;
  EtcdLogTail tail_;
};

// The tail's value as etcd stores it, and back (corruption when it is not one).
std::string encode_etcd_log_tail(const EtcdLogTail& tail);
Result<EtcdLogTail> decode_etcd_log_tail(std::string_view value, std::int64_t mod_revision);

}  // namespace loket
