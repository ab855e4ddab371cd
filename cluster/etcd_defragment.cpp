#include "cluster/etcd_defragment.hpp"

namespace loket {

bool worth_defragmenting(const EtcdMemberStatus& member, const DefragmentPolicy& policy) {
  const std::int64_t in_use = member.db_size_in_use_bytes;
  if (in_use <= 0 || in_use > member.db_size_bytes) return false;  // not reported
  const std::int64_t reclaimable = member.db_size_bytes - in_use;
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
    if (!status.ok() || status->leader == status->header.member_id ||
        !worth_defragmenting(*status, policy)) {
      continue;
    }
    const std::int64_t free_bytes = status->db_size_bytes - status->db_size_in_use_bytes;
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
