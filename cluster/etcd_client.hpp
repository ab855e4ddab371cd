// A client of an etcd 3.4 cluster through its v3 JSON gateway (docs/cluster.md, "Why etcd, and
// how loket talks to it"): typed key-value, transaction, lease and maintenance calls over one
// kept-alive HTTP/1.1 connection, failing over between the members' endpoints.
//
// Every call returns a Result; its StatusCode says what the caller may do:
//   invalid_argument  etcd would refuse the request (checked before sending: too large, too
//                     many operations, an empty key), or etcd did (a compacted revision)
//   not_found         a lease that has ended
//   unavailable       no member answered, or a write's outcome is unknown (below)
//   busy              etcd is over a limit (too many requests, its space quota)
//   corruption        an answer that is not what etcd writes
//
// Failing over. Calls go to the current endpoint; when it cannot be reached, or it refuses
// because it has no leader (an election, or it is cut off from the quorum), the next one is
// tried, each endpoint once per call. A call that only reads (range, status, keep-alive,
// revoke: asking twice is harmless) is also tried on the next member when the current one
// took the request and then failed or said it is unavailable. A write (put, delete, txn,
// grant, compaction) is sent again only when the member certainly did not get it: once sent,
// a failure is `unavailable` with "the write may or may not have been applied", and the next
// call starts at the next endpoint. The caller learns the outcome by reading; a fenced
// transaction (a compare on a revision) is safe to decide again after that read.
//
// Threads: one caller at a time (the connection and its buffer are the client's state); use a
// client per thread. Movable; not copyable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.hpp"
#include "cluster/etcd_limits.hpp"
#include "cluster/etcd_types.hpp"

namespace loket {

struct EtcdClientOptions {
  // The members' client URLs, "http://HOST:PORT", tried in this order.
  std::vector<std::string> endpoints;
  // A member that does not accept the connection by then is taken to be down.
  std::uint32_t connect_timeout_ms = etcd_limits::connect_timeout_ms_default;
  // Writing a request and reading its whole answer; a member slower than this is taken to be
  // down (for a write: its outcome is unknown).
  std::uint32_t request_timeout_ms = etcd_limits::request_timeout_ms_default;
  // Requests larger than this, as etcd counts them (etcd_request_bytes), are refused before
  // sending. Must not exceed the cluster's --max-request-bytes.
  std::size_t request_bytes_max = etcd_limits::server_request_bytes_max;
  // Answers larger than this are an io_error; page a large range with a limit.
  std::size_t response_bytes_max = etcd_limits::response_bytes_max;
};

class EtcdClient {
 public:
  // Checks the options (every endpoint a valid URL, no duplicates, timeouts and sizes in
  // range); connects lazily, on the first call.
  static Result<EtcdClient> create(EtcdClientOptions options);
  ~EtcdClient();
  EtcdClient(EtcdClient&&) noexcept;
  EtcdClient& operator=(EtcdClient&&) noexcept;

  Result<EtcdPutResult> put(const EtcdPut& put);
  Result<EtcdRangeResult> range(const EtcdRange& range);
  Result<EtcdDeleteResult> delete_range(const EtcdDelete& range);
  Result<EtcdTxnResult> txn(const EtcdTxn& txn);

  Result<EtcdLease> grant_lease(std::int64_t ttl_seconds);
  // One renewal; not_found once the lease has ended (expired or revoked).
  Result<EtcdLease> keep_lease_alive_once(std::int64_t lease_id);
  // Ends the lease and deletes its keys; not_found when it had already ended (which a revoke
  // sent again after a member failed mid-call may also answer, though it was the first try
  // that ended it).
  Status revoke_lease(std::int64_t lease_id);

  // The status of the first member that answers (any member knows the leader's ID).
  Result<EtcdMemberStatus> status();
  // The status of the member at endpoints[index], without failing over.
  Result<EtcdMemberStatus> member_status(std::size_t index);
  // Forgets every revision before `revision` and waits until the backend has dropped them.
  Status compact(std::int64_t revision);
  // Returns the free space of the member at endpoints[index] to the file system; blocks that
  // member while it runs (do one member at a time).
  Status defragment(std::size_t index);

  // The endpoint the next call goes to first.
  const std::string& current_endpoint() const;
  // The members' endpoints, in the options' order (member_status and defragment take an index).
  std::size_t endpoint_count() const;
  const std::string& endpoint(std::size_t index) const;  // index < endpoint_count()

 private:
  struct Impl;
  explicit EtcdClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace loket
