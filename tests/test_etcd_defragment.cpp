// Defragmenting etcd as needed (cluster/etcd_defragment.hpp): when a member is worth it, at
// each limit's edge, and against real members (process tier) that only a member worth it is
// defragmented, one per call, never etcd's leader, and that its file shrinks.
#include <catch2/catch.hpp>
#include <limits>

#include "cluster/etcd_defragment.hpp"
#include "tests/etcd_test.hpp"

namespace loket {
namespace {

using testing::etcd_missing;
using testing::EtcdCluster;

constexpr std::int64_t mib = std::int64_t{1} << 20;

EtcdMemberStatus member_of(std::int64_t db_size_bytes, std::int64_t in_use_bytes) {
  EtcdMemberStatus member;
  member.db_size_bytes = db_size_bytes;
  member.db_size_in_use_bytes = in_use_bytes;
  return member;
}

TEST_CASE("A member is worth defragmenting only with enough free, half free and little in use",
          "[etcd]") {
  const DefragmentPolicy policy;  // the defaults: 256 MiB free at least, 16 MiB in use at most
  const std::int64_t free_min = policy.reclaimable_bytes_min;
  const std::int64_t in_use_max = policy.in_use_bytes_max;
  // Free space at its limit - 1, limit and + 1.
  CHECK_FALSE(worth_defragmenting(member_of(free_min - 1 + in_use_max, in_use_max), policy));
  CHECK(worth_defragmenting(member_of(free_min + in_use_max, in_use_max), policy));
  CHECK(worth_defragmenting(member_of(free_min + 1 + in_use_max, in_use_max), policy));
  // In use at its limit - 1, limit and + 1.
  CHECK(worth_defragmenting(member_of(free_min + in_use_max - 1, in_use_max - 1), policy));
  CHECK_FALSE(worth_defragmenting(member_of(free_min + in_use_max + 1, in_use_max + 1), policy));
  // At least half of the file free: just under half, exactly half.
  const DefragmentPolicy small{1, 100 * mib};
  CHECK_FALSE(worth_defragmenting(member_of(2 * mib - 1, mib), small));
  CHECK(worth_defragmenting(member_of(2 * mib, mib), small));
  // Not reported (etcd before 3.4), nonsense, and the type's extremes.
  constexpr std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t smallest = std::numeric_limits<std::int64_t>::min();
  CHECK_FALSE(worth_defragmenting(member_of(largest, 0), policy));
  CHECK_FALSE(worth_defragmenting(member_of(mib, 2 * mib), policy));
  CHECK_FALSE(worth_defragmenting(member_of(smallest, smallest), policy));
  CHECK_FALSE(worth_defragmenting(member_of(largest, smallest), policy));
  CHECK_FALSE(worth_defragmenting(member_of(largest, largest), policy));
  CHECK(worth_defragmenting(member_of(largest, 1), policy));
  CHECK_FALSE(worth_defragmenting(member_of(0, 0), policy));
}

// Writes `values` values of 1 MiB, deletes them and compacts: the members' files keep the
// pages, which etcd counts as free once a later write has committed its backend.
void bloat_and_free(EtcdClient& client, int values) {
  for (int index = 0; index < values; ++index) {
    REQUIRE(client.put({"bloat/" + std::to_string(index), std::string(mib, 'x'), 0}).ok());
  }
  REQUIRE(client.delete_range({"bloat/", etcd_prefix_end("bloat/")}).ok());
  const Result<EtcdMemberStatus> now = client.status();
  REQUIRE(now.ok());
  REQUIRE(client.compact(now->header.revision).is_ok());
  for (std::size_t index = 0; index < client.endpoint_count(); ++index) {
    testing::poll_until([&] {
      REQUIRE(client.put({"later", "write", 0}).ok());
      const Result<EtcdMemberStatus> member = client.member_status(index);
      return member.ok() && member->db_size_in_use_bytes < 2 * mib;
    });
  }
}

// The members' indexes, etcd's leader last.
std::vector<std::size_t> members_leader_last(EtcdClient& client) {
  std::vector<std::size_t> followers;
  std::optional<std::size_t> leader;
  for (std::size_t index = 0; index < client.endpoint_count(); ++index) {
    const Result<EtcdMemberStatus> member = client.member_status(index);
    REQUIRE(member.ok());
    if (member->leads()) {
      leader = index;
    } else {
      followers.push_back(index);
    }
  }
  REQUIRE(leader.has_value());
  followers.push_back(*leader);
  return followers;
}

std::int64_t db_size_of(EtcdClient& client, std::size_t index) {
  const Result<EtcdMemberStatus> member = client.member_status(index);
  REQUIRE(member.ok());
  return member->db_size_bytes;
}

TEST_CASE("etcd: members worth it are defragmented one per call, never etcd's leader",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(3);
  EtcdClient client = testing::etcd_client_of(cluster.client_urls());
  bloat_and_free(client, 12);
  const std::vector<std::size_t> members = members_leader_last(client);
  std::vector<std::int64_t> before;
  for (const std::size_t index : members) before.push_back(db_size_of(client, index));
  for (const std::int64_t size : before) REQUIRE(size >= 12 * mib);

  // Not worth it under the defaults (far less than 256 MiB free), nor with too little in use.
  const Result<std::optional<Defragmented>> defaults = defragment_one_member(client, {});
  REQUIRE(defaults.ok());
  CHECK_FALSE(defaults->has_value());
  REQUIRE(defragment_one_member(client, {4 * mib, 1}).ok());
  for (std::size_t at = 0; at < members.size(); ++at) {
    CHECK(db_size_of(client, members[at]) == before[at]);
  }

  const DefragmentPolicy policy{4 * mib, 2 * mib};
  std::vector<std::string> done;
  for (int call = 0; call < 3; ++call) {
    const Result<std::optional<Defragmented>> defragmented = defragment_one_member(client, policy);
    REQUIRE(defragmented.ok());
    if (!defragmented->has_value()) break;
    CHECK((*defragmented)->db_size_bytes_after < 4 * mib);
    done.push_back((*defragmented)->endpoint);
  }
  REQUIRE(done.size() == 2);  // the two followers, then nothing more is worth it
  CHECK(done[0] != done[1]);
  const std::string& leader_url = client.endpoint(members.back());
  CHECK(done[0] != leader_url);
  CHECK(done[1] != leader_url);
  CHECK(db_size_of(client, members[0]) < 4 * mib);
  CHECK(db_size_of(client, members[1]) < 4 * mib);
  CHECK(db_size_of(client, members[2]) >= before[2]);  // etcd's leader: the operator's
  CHECK(client.range(EtcdRange::single("bloat/0"))->kvs.empty());
  CHECK(client.put({"after", "still writable", 0}).ok());
}

TEST_CASE("etcd: the only member of a one-member etcd is its leader and is left alone",
          "[process][etcd]") {
  if (etcd_missing()) return;
  EtcdCluster cluster(1);
  EtcdClient client = testing::etcd_client_of(cluster.client_urls());
  bloat_and_free(client, 8);
  const std::int64_t before = db_size_of(client, 0);
  const Result<std::optional<Defragmented>> done =
      defragment_one_member(client, {4 * mib, 2 * mib});
  REQUIRE(done.ok());
  CHECK_FALSE(done->has_value());
  CHECK(db_size_of(client, 0) == before);
}

}  // namespace
}  // namespace loket
