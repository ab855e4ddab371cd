#include "cluster/etcd_log.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

namespace loket {

namespace json = boost::json;
using namespace etcd_log_limits;

std::string EtcdLogKeys::chunk_key(std::uint64_t chunk) const {
  return fmt::format("{}log/{:020}", prefix, chunk);
}

std::string encode_etcd_log_tail(const EtcdLogTail& tail) {
  return json::serialize(
      json::object{{"chunks", tail.chunks}, {"sequence", tail.last_sequence}, {"head", tail.head}});
}

namespace {

bool read_count(const json::object& object, std::string_view name, std::uint64_t& count) {
  const json::value* value = object.if_contains(name);
  if (value == nullptr) return false;
  if (value->is_uint64())
    count = value->get_uint64();
  else if (value->is_int64() && value->get_int64() >= 0)
    count = static_cast<std::uint64_t>(value->get_int64());
  else
    return false;
  return true;
}

Status fenced(const EtcdLogKeys& keys, std::int64_t epoch) {
  return Status::unavailable(fmt::format(
      "etcd refused the write to {}: this node no longer leads (epoch {}) or another node moved "
      "the log's tail",
      keys.prefix, epoch));
}

}  // namespace

Result<EtcdLogTail> decode_etcd_log_tail(std::string_view value, std::int64_t mod_revision) {
  boost::system::error_code error;
  const json::value parsed =
      value.size() <= tail_bytes_max ? json::parse(value, error) : json::value();
  const json::object* object = error ? nullptr : parsed.if_object();
  EtcdLogTail tail;
  tail.mod_revision = mod_revision;
  const json::string* head =
      object && object->if_contains("head") ? object->at("head").if_string() : nullptr;
  if (head == nullptr || object->size() != 3 || head->size() > head_bytes_max ||
      !read_count(*object, "chunks", tail.chunks) ||
      !read_count(*object, "sequence", tail.last_sequence)) {
    return Status::corruption(fmt::format(
        "the log's tail holds {:?}, not {{\"chunks\": N, \"sequence\": S, \"head\": H}}",
        value.substr(0, 200)));
  }
  tail.head = std::string(*head);
  return tail;
}

Result<EtcdLogTail> read_etcd_log_tail(EtcdClient& client, const EtcdLogKeys& keys) {
  const Result<EtcdRangeResult> range = client.range(EtcdRange::single(keys.tail_key()));
  if (!range.ok()) return range.status();
  if (range->kvs.empty()) return EtcdLogTail{};
  return decode_etcd_log_tail(range->kvs.front().value, range->kvs.front().mod_revision);
}

Result<std::vector<std::string>> read_etcd_log_chunks(EtcdClient& client, const EtcdLogKeys& keys,
                                                      std::uint64_t first, std::uint64_t last) {
  if (first == 0 || last < first) {
    return Status::invalid_argument(
        fmt::format("no chunks {}..{}: chunks count from 1", first, last));
  }
  const std::uint64_t wanted = std::min<std::uint64_t>(last - first + 1, chunks_per_read_max);
  EtcdRange range{keys.chunk_key(first), keys.chunk_key(first + wanted), 0, 0};
  Result<EtcdRangeResult> read = client.range(range);
  if (!read.ok()) return read.status();
  std::vector<std::string> chunks;
  for (EtcdKeyValue& key : read->kvs) {
    if (key.key != keys.chunk_key(first + chunks.size())) break;
    chunks.push_back(std::move(key.value));
  }
  if (chunks.size() != wanted) {
    return Status::not_found(fmt::format(
        "chunk {} of the log under {} is not in etcd: it was trimmed (seed this node from a copy "
        "of another node's journal)",
        first + chunks.size(), keys.prefix));
  }
  return chunks;
}

Result<std::uint64_t> first_etcd_log_chunk(EtcdClient& client, const EtcdLogKeys& keys) {
  const Result<EtcdRangeResult> first = client.range(EtcdRange::prefix(keys.chunks_prefix(), 1));
  if (!first.ok()) return first.status();
  if (first->kvs.empty()) return std::uint64_t{0};
  const std::string_view digits =
      std::string_view(first->kvs.front().key).substr(keys.chunks_prefix().size());
  std::uint64_t chunk = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), chunk);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.size() != 20 ||
      chunk == 0) {
    return Status::corruption(fmt::format("{:?} is not a chunk's key", first->kvs.front().key));
  }
  return chunk;
}

Status trim_etcd_log(EtcdClient& client, const EtcdLogKeys& keys, std::uint64_t before) {
  if (before <= 1) return Status::ok();
  return client.delete_range({keys.chunk_key(1), keys.chunk_key(before)}).status();
}

EtcdLogWriter::EtcdLogWriter(EtcdClient& client, EtcdLogKeys keys, std::int64_t epoch,
                             EtcdLogTail tail)
    : client_(&client), keys_(std::move(keys)), epoch_(epoch), tail_(std::move(tail)) {}

Result<EtcdLogWriter> EtcdLogWriter::take_over(EtcdClient& client, EtcdLogKeys keys,
                                               std::int64_t epoch, std::string_view empty_head) {
  if (keys.prefix.empty()) return Status::invalid_argument("the log's key prefix is empty");
  if (empty_head.size() > head_bytes_max) {
    return Status::invalid_argument(fmt::format("a chain head of {} bytes", empty_head.size()));
  }
  for (std::size_t attempt = 0; attempt < write_attempts_max; ++attempt) {
    Result<EtcdLogTail> tail = read_etcd_log_tail(client, keys);
    if (!tail.ok()) return tail.status();
    EtcdTxn txn;
    txn.compares = {
        EtcdCompare::create_revision_is(keys.election_key(), EtcdCompareOp::equal, epoch),
        EtcdCompare::mod_revision_is(keys.tail_key(), EtcdCompareOp::equal, tail->mod_revision)};
    txn.success.emplace_back(
        EtcdDelete{keys.chunk_key(tail->chunks + 1), etcd_prefix_end(keys.chunks_prefix())});
    const bool first = tail->mod_revision == 0;
    if (first) {
      tail->head = std::string(empty_head);
      txn.success.emplace_back(EtcdPut{keys.tail_key(), encode_etcd_log_tail(*tail), 0});
    }
    const Result<EtcdTxnResult> deleted = client.txn(txn);
    if (deleted.ok() && !deleted->succeeded) return fenced(keys, epoch);
    if (deleted.ok()) {
      if (first) tail->mod_revision = deleted->header.revision;
      return EtcdLogWriter(client, std::move(keys), epoch, std::move(*tail));
    }
    if (deleted.status().code() != StatusCode::unavailable) return deleted.status();
  }
  return Status::unavailable(fmt::format("etcd did not confirm the take-over of {} after {} tries",
                                         keys.prefix, write_attempts_max));
}

Status EtcdLogWriter::append(std::span<const std::string> chunks, std::uint64_t last_sequence,
                             std::string_view head) {
  if (chunks.empty()) return Status::invalid_argument("a batch without chunks");
  if (head.size() > head_bytes_max) {
    return Status::invalid_argument(fmt::format("a chain head of {} bytes", head.size()));
  }
  for (const std::string& chunk : chunks) {
    if (chunk.empty() || chunk.size() > chunk_bytes_max) {
      return Status::invalid_argument(
          fmt::format("a chunk of {} bytes is outside [1, {}]", chunk.size(), chunk_bytes_max));
    }
  }
  EtcdLogTail next{tail_.chunks + chunks.size(), last_sequence, std::string(head), 0};
  for (std::size_t index = 0; index < chunks.size(); ++index) {
    const bool last = index + 1 == chunks.size();
    const Status written = write_fenced(keys_.chunk_key(tail_.chunks + 1 + index), chunks[index],
                                        last ? &next : nullptr);
    if (!written.is_ok()) return written;
  }
  return Status::ok();
}

// One chunk, and with the last the new tail, under the fences. A write whose outcome is
// unknown is settled by reading the tail.
Status EtcdLogWriter::write_fenced(std::string chunk_key, const std::string& chunk,
                                   const EtcdLogTail* new_tail) {
  EtcdTxn txn;
  txn.compares = {
      EtcdCompare::create_revision_is(keys_.election_key(), EtcdCompareOp::equal, epoch_),
      EtcdCompare::mod_revision_is(keys_.tail_key(), EtcdCompareOp::equal, tail_.mod_revision)};
  txn.success.emplace_back(EtcdPut{std::move(chunk_key), chunk, 0});
  if (new_tail)
    txn.success.emplace_back(EtcdPut{keys_.tail_key(), encode_etcd_log_tail(*new_tail), 0});
  for (std::size_t attempt = 0; attempt < write_attempts_max; ++attempt) {
    const Result<EtcdTxnResult> written = client_->txn(txn);
    if (written.ok() && !written->succeeded) return fenced(keys_, epoch_);
    if (written.ok()) {
      if (new_tail) {
        tail_ = *new_tail;
        tail_.mod_revision = written->header.revision;
      }
      return Status::ok();
    }
    if (written.status().code() != StatusCode::unavailable) return written.status();
    const Status settled = settle_unknown(new_tail);
    if (settled.code() != StatusCode::busy) return settled;  // landed, or fenced
  }
  return Status::unavailable(
      fmt::format("etcd did not confirm a write to the log under {} after {} tries", keys_.prefix,
                  write_attempts_max));
}

// After a write with an unknown outcome: ok when it landed (the tail is the new one), busy when
// it certainly did not (the tail has not moved: write again), unavailable otherwise.
Status EtcdLogWriter::settle_unknown(const EtcdLogTail* new_tail) {
  const Result<EtcdLogTail> now = read_etcd_log_tail(*client_, keys_);
  if (!now.ok()) return Status::unavailable("etcd cannot be reached: " + now.status().message());
  if (now->mod_revision == tail_.mod_revision) return Status::busy("not written");
  if (new_tail && now->chunks == new_tail->chunks &&
      now->last_sequence == new_tail->last_sequence && now->head == new_tail->head) {
    tail_ = *now;
    return Status::ok();
  }
  return fenced(keys_, epoch_);
}

}  // namespace loket
