#include "cluster/election.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace loket {

namespace json = boost::json;

LeaderElection::LeaderElection(EtcdClient& client, std::string election_key, NodeIdentity me,
                               std::int64_t lease_ttl_seconds)
    : client_(&client),
      election_key_(std::move(election_key)),
      me_(std::move(me)),
      lease_ttl_seconds_(lease_ttl_seconds) {}

Result<LeaderElection> LeaderElection::create(EtcdClient& client, std::string election_key,
                                              NodeIdentity me, std::int64_t lease_ttl_seconds) {
  if (election_key.empty()) return Status::invalid_argument("the election key is empty");
  if (lease_ttl_seconds < 1 || lease_ttl_seconds > etcd_limits::lease_ttl_seconds_max) {
    return Status::invalid_argument(fmt::format("a lease of {} s is outside [1, {}]",
                                                lease_ttl_seconds,
                                                etcd_limits::lease_ttl_seconds_max));
  }
  return LeaderElection(client, std::move(election_key), std::move(me), lease_ttl_seconds);
}

Result<Campaign> LeaderElection::campaign_once() {
  // A lease granted by an earlier campaign that lost may end between its renewal and the put:
  // etcd then refuses the put with not_found, and the campaign goes on with a new one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    // A lease kept from an earlier campaign is renewed first: won with a lease about to end,
    // the election would be lost again at once.
    if (lease_id_ != 0) {
      const Result<EtcdLease> renewed = client_->keep_lease_alive_once(lease_id_);
      if (!renewed.ok() && renewed.status().code() != StatusCode::not_found) {
        return renewed.status();
      }
      if (!renewed.ok()) lease_id_ = 0;
    }
    if (lease_id_ == 0) {
      Result<EtcdLease> lease = client_->grant_lease(lease_ttl_seconds_);
      if (!lease.ok()) return lease.status();
      lease_id_ = lease->id;
    }
    EtcdTxn txn;
    txn.compares.push_back(EtcdCompare::create_revision_is(election_key_, EtcdCompareOp::equal, 0));
    txn.success.emplace_back(EtcdPut{election_key_, encode_node_identity(me_), lease_id_});
    const Result<EtcdTxnResult> created = client_->txn(txn);
    if (!created.ok() && created.status().code() == StatusCode::not_found) {
      lease_id_ = 0;
      continue;
    }
    if (!created.ok() && created.status().code() != StatusCode::unavailable) {
      return created.status();
    }
    // Created or not, or unknown: the key as it is now says who leads.
    return decide_by_reading();
  }
  return Status::unavailable("etcd ended this node's new lease before it could campaign");
}

Result<Campaign> LeaderElection::decide_by_reading() {
  Result<std::optional<LeaderSeen>> seen = leader();
  if (!seen.ok()) return seen.status();
  Campaign campaign;
  campaign.leader = std::move(*seen);
  campaign.elected = campaign.leader && campaign.leader->lease_id == lease_id_;
  return campaign;
}

Status LeaderElection::keep_alive() {
  if (lease_id_ == 0) return Status::not_found("this node holds no lease");
  const Result<EtcdLease> renewed = client_->keep_lease_alive_once(lease_id_);
  if (renewed.ok()) return Status::ok();
  if (renewed.status().code() == StatusCode::not_found) lease_id_ = 0;
  return renewed.status();
}

Status LeaderElection::resign() {
  if (lease_id_ == 0) return Status::ok();
  const Status revoked = client_->revoke_lease(lease_id_);
  if (!revoked.is_ok() && revoked.code() != StatusCode::not_found) return revoked;
  lease_id_ = 0;
  return Status::ok();
}

Result<std::optional<LeaderSeen>> LeaderElection::leader() {
  return read_leader(*client_, election_key_);
}

Result<std::optional<LeaderSeen>> read_leader(EtcdClient& client, const std::string& election_key) {
  const Result<EtcdRangeResult> range = client.range(EtcdRange::single(election_key));
  if (!range.ok()) return range.status();
  if (range->kvs.empty()) return std::optional<LeaderSeen>();
  const EtcdKeyValue& key = range->kvs.front();
  Result<NodeIdentity> node = decode_node_identity(key.value);
  if (!node.ok()) return node.status();
  return std::optional<LeaderSeen>(LeaderSeen{std::move(*node), key.create_revision, key.lease});
}

std::string encode_node_identity(const NodeIdentity& node) {
  return json::serialize(json::object{{"node", node.name}, {"url", node.url}});
}

Result<NodeIdentity> decode_node_identity(std::string_view value) {
  boost::system::error_code error;
  const json::value parsed = json::parse(value, error);
  const json::object* object = error ? nullptr : parsed.if_object();
  const json::string* name =
      object ? object->if_contains("node") ? object->at("node").if_string() : nullptr : nullptr;
  const json::string* url =
      object && object->if_contains("url") ? object->at("url").if_string() : nullptr;
  if (name == nullptr || url == nullptr || object->size() != 2) {
    return Status::corruption(fmt::format(
        "the election key holds {:?}, not {{\"node\": name, \"url\": url}}", value.substr(0, 200)));
  }
  return NodeIdentity{std::string(*name), std::string(*url)};
}

}  // namespace loket
