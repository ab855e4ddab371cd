#include "cluster/etcd_defragment.hpp"

namespace loket {

namespace {

// The free part of the member's file; only once in use is known to be within it.
std::int64_t free_bytes_of(const EtcdMemberStatus& member) {
  return member.db_size_bytes - member.db_size_in_use_bytes;
}

}  // namespace

bool worth_defragmenting(const EtcdMemberStatus& member, const DefragmentPolicy& policy) {
  const std::int64_t in_use = member.db_size_in_use_bytes;
  if (in_use <= 0 || in_use > member.db_size_bytes) return false;  // not reported
  const std::int64_t reclaimable = free_bytes_of(member);
  return reclaimable >= policy.reclaimable_bytes_min && reclaimable >= in_use &&
         in_use <= policy.in_use_bytes_max;
}

Result<std::optional<Defragmented>> defragment_one_member(EtcdClient& client,
                                                          const DefragmentPolicy& policy) {
  std::optional<std::size_t> chosen;
  std::int64_t chosen_free_bytes = 0;
  std::int64_t chosen_db_size_bytes = 0;
  for (std::size_t index = 0; index < client.endpoint_count(); ++index) {
    const Result<EtcdMemberStatus> status = client.member_status(index);
    // etcd's leader is never chosen: while it is blocked, no lease can be renewed anywhere.
    if (!status.ok() || status->leads() || !worth_defragmenting(*status, policy)) continue;
    const std::int64_t free_bytes = free_bytes_of(*status);
    if (chosen && free_bytes <= chosen_free_bytes) continue;
    chosen = index;
    chosen_free_bytes = free_bytes;
    chosen_db_size_bytes = status->db_size_bytes;
  }
  if (!chosen) return std::optional<Defragmented>();
  const Status defragmented = client.defragment(*chosen);
  if (!defragmented.is_ok()) return defragmented;
  const Result<EtcdMemberStatus> after = client.member_status(*chosen);
  return std::optional<Defragmented>(Defragmented{client.endpoint(*chosen), chosen_db_size_bytes,
                                                  after.ok() ? after->db_size_bytes : 0});
}

}  // namespace loket
