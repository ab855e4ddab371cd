// The requests and answers of etcd's v3 key-value, lease and maintenance API, as the client
// (cluster/etcd_client.hpp) takes and returns them: keys and values are byte strings (any
// bytes), revisions and counts int64 as in etcd. A default member is etcd's default (an
// absent field in its JSON).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace loket {

// What every answer carries: the store's revision when the member answered, and which member.
struct EtcdHeader {
  std::int64_t revision = 0;
  std::uint64_t member_id = 0;
  std::uint64_t raft_term = 0;
};

struct EtcdKeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;  // the revision of its last write
  std::int64_t version = 0;       // writes since it was created; 0 once deleted
  std::int64_t lease = 0;         // 0: none
};

// The keys in [key, range_end), or `key` alone when range_end is empty.
struct EtcdRange {
  std::string key;
  std::string range_end;
  std::int64_t limit = 0;     // at most this many keys; 0: all
  std::int64_t revision = 0;  // read as of this revision; 0: the newest

  static EtcdRange single(std::string key);
  // Every key that starts with `prefix` (a non-empty one), in key order.
  static EtcdRange prefix(std::string prefix, std::int64_t limit = 0);
};
// The smallest key after every key that starts with `prefix`: etcd's range end for a prefix.
// "\0" (etcd's "to the end") when there is none, i.e. the prefix is all 0xff bytes.
std::string etcd_prefix_end(std::string prefix);

struct EtcdRangeResult {
  EtcdHeader header;
  std::vector<EtcdKeyValue> kvs;
  bool more = false;       // the limit cut the answer short
  std::int64_t count = 0;  // keys in the range, whatever the limit
};

struct EtcdPut {
  std::string key;
  std::string value;
  std::int64_t lease = 0;  // the key is deleted when this lease ends; 0: none
};
struct EtcdPutResult {
  EtcdHeader header;
};

struct EtcdDelete {
  std::string key;
  std::string range_end;  // as in EtcdRange
};
struct EtcdDeleteResult {
  EtcdHeader header;
  std::int64_t deleted = 0;
};

enum class EtcdCompareTarget { version, create_revision, mod_revision, value };
enum class EtcdCompareOp { equal, not_equal, less, greater };

// A transaction's condition on one key: its value, version or a revision compared with a
// given one. A key that does not exist has version, create_revision and mod_revision 0.
struct EtcdCompare {
  std::string key;
  EtcdCompareTarget target = EtcdCompareTarget::version;
  EtcdCompareOp op = EtcdCompareOp::equal;
  std::int64_t number = 0;  // for version and the revisions
  std::string value;        // for value

  static EtcdCompare value_is(std::string key, EtcdCompareOp op, std::string value);
  static EtcdCompare version_is(std::string key, EtcdCompareOp op, std::int64_t version);
  static EtcdCompare create_revision_is(std::string key, EtcdCompareOp op, std::int64_t revision);
  static EtcdCompare mod_revision_is(std::string key, EtcdCompareOp op, std::int64_t revision);
};

using EtcdOp = std::variant<EtcdPut, EtcdRange, EtcdDelete>;
using EtcdOpResult = std::variant<EtcdPutResult, EtcdRangeResult, EtcdDeleteResult>;

// If every compare holds, the success operations, else the failure ones; one revision.
struct EtcdTxn {
  std::vector<EtcdCompare> compares;
  std::vector<EtcdOp> success;
  std::vector<EtcdOp> failure;
};
struct EtcdTxnResult {
  EtcdHeader header;
  bool succeeded = false;
  std::vector<EtcdOpResult> results;  // one per operation of the branch taken, in order
};

struct EtcdLease {
  std::int64_t id = 0;
  std::int64_t ttl_seconds = 0;  // what remains, as the member granted or renewed it
};

// One member's view of the cluster.
struct EtcdMemberStatus {
  EtcdHeader header;  // header.member_id: the member that answered
  std::uint64_t leader = 0;
  std::uint64_t raft_index = 0;
  std::uint64_t raft_term = 0;
  std::int64_t db_size_bytes = 0;         // the member's database file
  std::string version;                    // etcd's, e.g. "3.4.23"
  std::int64_t db_size_in_use_bytes = 0;  // of that file; the rest is free (0: not reported)
  // This member is etcd's Raft leader.
  bool leads() const { return leader == header.member_id; }
};

// The size etcd counts for a request (its protobuf encoding), as the client bounds it: every
// key, value and range end, plus the overheads of cluster/etcd_limits.hpp. A request whose
// bound exceeds the client's request_bytes_max is refused before it is sent; a caller that
// fills a transaction up to the limit plans with these.
std::size_t etcd_request_bytes(const EtcdPut& put);
std::size_t etcd_request_bytes(const EtcdRange& range);
std::size_t etcd_request_bytes(const EtcdDelete& range);
std::size_t etcd_request_bytes(const EtcdTxn& txn);

}  // namespace loket
