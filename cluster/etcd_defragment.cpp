#include "cluster/etcd_defragment.hpp"

namespace loket {

bool worth_defragmenting(const EtcdMemberStatus& member, const DefragmentPolicy& policy) {
  const std::int64_t in_use = member.db_size_in_use_bytes;
  if (in_use <= 0 || in_use > member.db_size_bytes) return false;  // not reported
  const std::int64_t reclaimable = member.db_size_bytes - in_use;
  return reclaimable >= policy.reclaimable_bytes_min && reclaimable >= in_use &&
         in_use <= policy.in_use_bytes_max;
}

namespace {

struct Candidate {
  std::size_t index = 0;
  EtcdMemberStatus status;
  bool leads() const { return status.leader == status.header.member_id; }
  std::int64_t reclaimable() const { return status.db_size_bytes - status.db_size_in_use_bytes; }
  // Is this a better choice than `other`: not etcd's leader first, then the most to free.
  bool better_than(const Candidate& other) const {
    if (leads() != other.leads()) return !leads();
    return reclaimable() > other.reclaimable();
  }
};

}  // namespace

Result<std::optional<Defragmented>> defragment_one_member(EtcdClient& client,
                                                          const DefragmentPolicy& policy) {
  std::optional<Candidate> chosen;
  for (std::size_t index = 0; index < client.endpoint_count(); ++index) {
    Result<EtcdMemberStatus> status = client.member_status(index);
    if (!status.ok() || !worth_defragmenting(*status, policy)) continue;
    Candidate candidate{index, std::move(*status)};
    if (!chosen || candidate.better_than(*chosen)) chosen = std::move(candidate);
  }
  if (!chosen) return std::optional<Defragmented>();
  const std::string& endpoint = client.endpoint(chosen->index);
  const Status defragmented = client.defragment(chosen->index);
  if (!defragmented.is_ok()) return defragmented;
  const Result<EtcdMemberStatus> after = client.member_status(chosen->index);
  return std::optional<Defragmented>(
      Defragmented{endpoint, chosen->status.db_size_bytes, after.ok() ? after->db_size_bytes : 0});
}

}  // namespace loket
