#include "app/cluster_status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "app/file_text.hpp"
#include "cluster/election.hpp"
#include "cluster/etcd_log.hpp"
#include "cluster/node_status.hpp"
#include "engine/limits.hpp"
#include "parse/scheme_toml.hpp"

namespace loket {
namespace {

Status print_leader(EtcdClient& client, const EtcdLogKeys& keys, std::FILE* out) {
  const Result<std::optional<LeaderSeen>> leader = read_leader(client, keys.election_key());
  if (!leader.ok()) return leader.status();
  if (!*leader) {
    fmt::print(out, "leader: none (an election is due, or no node ever led)\n");
    return Status::ok();
  }
  fmt::print(out, "leader: node {} at {}, epoch {}\n", (*leader)->node.name, (*leader)->node.url,
             (*leader)->epoch);
  return Status::ok();
}

Status print_log(EtcdClient& client, const EtcdLogKeys& keys, std::FILE* out) {
  const Result<EtcdLogTail> tail = read_etcd_log_tail(client, keys);
  if (!tail.ok()) return tail.status();
  const Result<std::uint64_t> first = first_etcd_log_chunk(client, keys);
  if (!first.ok()) return first.status();
  fmt::print(out, "log: through sequence {}, chain head {}, chunks {} to {} held in etcd\n",
             tail->last_sequence, tail->head.empty() ? "-" : tail->head, *first, tail->chunks);
  return Status::ok();
}

Status print_nodes(EtcdClient& client, const EtcdLogKeys& keys, std::FILE* out) {
  const Result<std::vector<NodeStatus>> nodes = read_node_statuses(client, keys);
  if (!nodes.ok()) return nodes.status();
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  for (const NodeStatus& node : *nodes) {
    fmt::print(
        out, "node {} at {}: {}, applied through sequence {} (chunk {}), {} ms ago\n", node.name,
        node.url, node.role, node.applied_sequence, node.applied_chunks,
        node.updated_unix_ms == 0 ? 0 : std::max<std::int64_t>(now_ms - node.updated_unix_ms, 0));
  }
  return Status::ok();
}

void print_members(EtcdClient& client, std::size_t members, std::FILE* out) {
  for (std::size_t index = 0; index < members; ++index) {
    const Result<EtcdMemberStatus> member = client.member_status(index);
    if (!member.ok()) {
      fmt::print(out, "etcd member {}: {}\n", index + 1, member.status().message());
      continue;
    }
    fmt::print(out, "etcd member {}: etcd {}, {}, raft term {}, index {}, {} bytes\n", index + 1,
               member->version, member->leads() ? "leader" : "follower", member->raft_term,
               member->raft_index, member->db_size_bytes);
  }
}

}  // namespace

int run_cluster_status(const ClusterStatusOptions& options, std::FILE* out, std::FILE* errors) {
  const Result<std::string> text =
      read_file_text(options.scheme_path, limits::scheme_file_bytes_max);
  const Result<Scheme> scheme =
      text.ok() ? parse_scheme(*text, options.scheme_path) : Result<Scheme>(text.status());
  if (!scheme.ok()) {
    fmt::print(errors, "loket cluster status: {}\n", scheme.status().message());
    return 2;
  }
  Result<EtcdClient> client = EtcdClient::create({options.endpoints});
  if (!client.ok()) {
    fmt::print(errors, "loket cluster status: --cluster: {}\n", client.status().message());
    return 2;
  }
  const EtcdLogKeys keys{fmt::format("/loket/{}/", scheme->id)};
  fmt::print(out, "scheme {}: keys under {}\n", scheme->id, keys.prefix);
  for (const auto print : {print_leader, print_log, print_nodes}) {
    if (const Status printed = print(*client, keys, out); !printed.is_ok()) {
      fmt::print(errors, "loket cluster status: {}\n", printed.message());
      return 1;
    }
  }
  print_members(*client, options.endpoints.size(), out);
  return 0;
}

}  // namespace loket
