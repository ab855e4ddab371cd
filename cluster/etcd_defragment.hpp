// Defragmenting etcd as needed (docs/cluster.md, "Compaction"). Compaction frees the pages of
// the log's deleted chunks inside a member's database file, and etcd reuses them, but the file
// keeps the size of its busiest hour until the member is defragmented. Defragmenting copies
// what is in use into a new file and blocks the member while it runs, so it is done here only
// when it is worth it and cheap: much of the file is free, little is in use (a quiet moment,
// after the log was trimmed), one member at a time, and never etcd's leader: every lease
// renewal waits for the leader to apply, so blocking it could cost loket's leader its lease.
// The leader member (and so the only member of a one-member etcd) is the operator's to
// defragment, after moving etcd's leadership away.
// Threads: one caller at a time, like the EtcdClient it uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.hpp"
#include "cluster/etcd_client.hpp"

namespace loket {

namespace etcd_defragment_limits {
// Defragmenting copies what is in use and syncs a new file: the client waits this long.
inline constexpr std::uint32_t request_timeout_ms = 120'000;
// After a failure, this many trim intervals pass before the next try, so that a defragment
// still running in etcd is not joined by another.
inline constexpr int rounds_skipped_after_failure = 6;
// Free space in a member's file below which defragmenting is not worth blocking the member.
inline constexpr std::int64_t reclaimable_bytes_min = std::int64_t{256} << 20;
// In use above this, the member is busy (the log holds chunks a node has not applied yet) and
// the copy would block it for long: wait for a quieter moment.
inline constexpr std::int64_t in_use_bytes_max = std::int64_t{16} << 20;
}  // namespace etcd_defragment_limits

struct DefragmentPolicy {
  std::int64_t reclaimable_bytes_min = etcd_defragment_limits::reclaimable_bytes_min;
  std::int64_t in_use_bytes_max = etcd_defragment_limits::in_use_bytes_max;
};

// True when the member's file has at least reclaimable_bytes_min free, and at least half of
// it is free, and at most in_use_bytes_max is in use. False when the member does not say how
// much is in use (etcd before 3.4).
bool worth_defragmenting(const EtcdMemberStatus& member, const DefragmentPolicy& policy);

struct Defragmented {
  std::string endpoint;  // the member's client URL
  std::int64_t db_size_bytes_before = 0;
  std::int64_t db_size_bytes_after = 0;
};

// Asks every member for its status and defragments at most one of those worth it that is not
// etcd's leader: the one with the most free space. nullopt when none is (or none answered); an
// error when defragmenting failed or did not finish within the client's request timeout (it
// may still be running: etcd does not cancel it).
Result<std::optional<Defragmented>> defragment_one_member(EtcdClient& client,
                                                          const DefragmentPolicy& policy);

}  // namespace loket
