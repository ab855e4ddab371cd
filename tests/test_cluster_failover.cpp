// `loket serve --cluster` as real processes: three etcd members and two loket nodes on
// loopback. The leader is SIGKILLed after acknowledging registrations; the other node is
// elected, catches up from etcd and serves every acknowledged registration with the decision
// its receipt gave; the killed node, restarted, waits, and leads again (caught up with what the
// second leader accepted) once that one stops. Each journal passes `loket audit`.
#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "cluster/etcd_log.hpp"
#include "cluster/node_status.hpp"
#include "tests/child_process.hpp"
#include "tests/cluster_fixture.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

namespace loket {
namespace {

using namespace testing;
namespace http = boost::beast::http;

const EtcdLogKeys rehearsal_keys{"/loket/rehearsal/"};

// A receipt's sequence and outcome, by application id.
using Receipts = std::map<std::string, std::pair<std::uint64_t, std::string>>;

// Registers `count` participants; returns their receipts.
Receipts register_participants(unsigned short port, std::size_t first, std::size_t count) {
  Receipts receipts;
  for (const boost::json::object& receipt : register_in_t2(port, first, count)) {
    receipts[std::string(receipt.at("id").as_string())] = {
        receipt.at("seq").to_number<std::uint64_t>(),
        std::string(receipt.at("outcome").as_string())};
  }
  return receipts;
}

// Every acknowledged registration is on the record of the node at `port` (its decisions
// export) under the receipt's sequence, with the receipt's decision.
void check_on_record(unsigned short port, const Receipts& receipts) {
  Client client(port);
  const Answer answer =
      client.send(http::verb::get, "/v1/export/decisions.jsonl", "dev-auditor-token");
  REQUIRE(answer.status == 200);
  Receipts on_record;
  std::istringstream lines(answer.body);
  for (std::string line; std::getline(lines, line);) {
    const boost::json::object decision = boost::json::parse(line).as_object();
    if (!decision.contains("id") || !decision.at("id").is_string()) continue;
    on_record[std::string(decision.at("id").as_string())] = {
        decision.at("seq").to_number<std::uint64_t>(),
        std::string(decision.at("outcome").as_string())};
  }
  for (const auto& [id, receipt] : receipts) {
    INFO(id);
    REQUIRE(on_record.contains(id));
    CHECK(on_record.at(id) == receipt);
  }
}

std::uint64_t granted(unsigned short port) {
  Client client(port);
  const Answer answer = client.send(http::verb::get, "/v1/tranches/t2", "dev-auditor-token");
  REQUIRE(answer.status == 200);
  return answer.json().at("applications").at("granted").to_number<std::uint64_t>();
}

void stop_and_audit(ChildProcess& node, const std::string& journal) {
  node.signal(SIGTERM);
  node.wait();
  ChildProcess audit(build_path("loket"), {"audit", "--data", journal});
  const int status = audit.wait();
  INFO(audit.log());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

// Registers on the leader, kills it, and checks every receipt so far on the next, `rounds`
// times; returns the failover times.
std::vector<std::uint64_t> failover_rounds(TwoNodes& cluster, Receipts& receipts,
                                           std::size_t rounds) {
  std::vector<std::uint64_t> failover_ms;
  for (std::size_t round = 0; round < rounds; ++round) {
    INFO("round " << round);
    INFO("leader's log:\n" << cluster.nodes[cluster.leader]->log());
    INFO("follower's log:\n" << cluster.nodes[1 - cluster.leader]->log());
    receipts.merge(register_participants(cluster.leader_port, receipts.size() + 1, 50));
    failover_ms.push_back(cluster.fail_over());
    check_on_record(cluster.leader_port, receipts);
    CHECK(granted(cluster.leader_port) == receipts.size());
  }
  return failover_ms;
}

std::string failover_figures(std::vector<std::uint64_t> failover_ms) {
  std::sort(failover_ms.begin(), failover_ms.end());
  return fmt::format(
      "{} failovers (SIGKILL of the leader to the next leader's readiness): "
      "p50 {} ms, max {} ms",
      failover_ms.size(), failover_ms[failover_ms.size() / 2], failover_ms.back());
}

TEST_CASE("cluster: registrations acknowledged by a killed leader are served by the next",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TwoNodes cluster;
  Receipts receipts;
  WARN(failover_figures(failover_rounds(cluster, receipts, 2)));
  // `loket cluster status` names the leader, how far the log goes and where each node is
  // (a node says so every second: asked again until the new leader has).
  const std::string leader_line =
      fmt::format("node {} at http://127.0.0.1:{}: leader, applied through",
                  cluster.names[cluster.leader], cluster.leader_port);
  std::string printed;
  poll_until([&] {
    ChildProcess status(build_path("loket"),
                        {"cluster", "status", "--cluster", endpoints_of(cluster.etcd), "--scheme",
                         source_path("schemes/rehearsal.toml")});
    REQUIRE(status.wait() == 0);
    printed = status.log();
    return printed.find(leader_line) != std::string::npos;
  });
  INFO(printed);
  CHECK_THAT(printed, Catch::Contains(leader_line));
  CHECK_THAT(printed,
             Catch::Contains(fmt::format("leader: node {} at http://127.0.0.1:{}, epoch",
                                         cluster.names[cluster.leader], cluster.leader_port)));
  CHECK_THAT(printed, Catch::Contains(fmt::format("log: through sequence {}", receipts.size())));
  CHECK_THAT(printed, Catch::Contains("etcd member 3: etcd 3.4"));
  CHECK_THAT(printed, Catch::Contains(": follower, applied through"));
  // The follower, the first node, leads again once the second steps down (SIGTERM resigns),
  // caught up with what the second accepted; both journals pass the audit.
  const std::size_t second = cluster.leader;
  stop_and_audit(*cluster.nodes[second], cluster.folder.path(cluster.names[second]));
  cluster.wait_for_new_leader(std::chrono::steady_clock::now());
  check_on_record(cluster.leader_port, receipts);
  stop_and_audit(*cluster.nodes[cluster.leader],
                 cluster.folder.path(cluster.names[cluster.leader]));
}

// The decisions export of the node at `port`, once it covers `sequence` (a follower applies
// the leader's log a little later); polls gently, under the auditor token's rate.
std::string decisions_through(unsigned short port, std::uint64_t sequence) {
  std::string decisions;
  poll_until([&] {
    Client client(port);
    const Answer answer =
        client.send(http::verb::get, "/v1/export/decisions.jsonl", "dev-auditor-token");
    decisions = answer.body;
    return answer.status == 200 &&
           answer.body.find(fmt::format("\"seq\":{},", sequence)) != std::string::npos;
  });
  return decisions;
}

// GET /v1/cluster on the node at `port` once `ready` holds for it (a node says where it is
// every second).
template <typename Ready>
boost::json::object cluster_view_once(unsigned short port, Ready ready) {
  boost::json::object view;
  poll_until([&] {
    Client client(port);
    const Answer answer = client.send(http::verb::get, "/v1/cluster", "dev-operator-token");
    if (answer.status != 200) return false;
    view = answer.json().as_object();
    return ready(view);
  });
  return view;
}

TEST_CASE("cluster: a follower applies the leader's log, serves reads and redirects writes",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TwoNodes cluster;
  const Receipts receipts = register_participants(cluster.leader_port, 1, 30);
  const unsigned short follower_port = cluster.ports[1 - cluster.leader];
  std::uint64_t last_sequence = 0;
  for (const auto& [id, receipt] : receipts) last_sequence = std::max(last_sequence, receipt.first);
  // The same records on both: the follower re-derived every decision, byte for byte.
  CHECK(decisions_through(follower_port, last_sequence) ==
        decisions_through(cluster.leader_port, last_sequence));
  check_on_record(follower_port, receipts);
  CHECK(granted(follower_port) == receipts.size());
  Client client(follower_port);
  const Answer redirected =
      client.send(http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
                  R"({"id":"C-999","participant":"p-999"})");
  INFO(redirected.body);
  CHECK(redirected.status == 307);
  CHECK(redirected.problem_type() == "not-leader");
  CHECK(redirected.headers[http::field::location] ==
        fmt::format("http://127.0.0.1:{}/v1/tranches/t2/submissions", cluster.leader_port));
  const Answer closing =
      client.send(http::verb::post, "/v1/tranches/t2/close", "dev-operator-token", "{}");
  CHECK(closing.status == 307);
  CHECK_FALSE(readyz_becomes(follower_port, 200, std::chrono::milliseconds(300)));
  // Both nodes show the cluster: who leads, and each node's role and applied sequence.
  for (const unsigned short port : {follower_port, cluster.leader_port}) {
    const boost::json::object view = cluster_view_once(port, [&](const boost::json::object& seen) {
      const boost::json::array& nodes = seen.at("nodes").as_array();
      return nodes.size() == 2 &&
             std::all_of(nodes.begin(), nodes.end(), [&](const boost::json::value& node) {
               return node.at("applied_sequence").to_number<std::uint64_t>() >= last_sequence;
             });
    });
    CHECK(view.at("leader").at("node").as_string() == cluster.names[cluster.leader]);
    CHECK(view.at("leader").at("url").as_string() ==
          fmt::format("http://127.0.0.1:{}", cluster.leader_port));
    for (const boost::json::value& node : view.at("nodes").as_array()) {
      const bool leads = node.at("node").as_string() == cluster.names[cluster.leader];
      CHECK(node.at("role").as_string() == (leads ? "leader" : "follower"));
    }
    Client reader(port);
    const std::string metrics = reader.send(http::verb::get, "/metrics", "dev-auditor-token").body;
    CHECK_THAT(metrics, Catch::Contains(fmt::format("loket_cluster_leader {}",
                                                    port == cluster.leader_port ? 1 : 0)));
    CHECK_THAT(metrics, Catch::Contains("loket_replication_lag_events 0"));
    CHECK_THAT(metrics, !Catch::Contains("loket_cluster_leader_epoch 0"));
    CHECK(reader.send(http::verb::get, "/v1/cluster", "dev-portal-token").status == 403);
  }
  // Nothing the follower was sent was recorded anywhere.
  Client leader(cluster.leader_port);
  CHECK(leader.send(http::verb::get, "/v1/submissions/C-999", "dev-auditor-token").status == 404);
  for (const std::size_t node : {1 - cluster.leader, cluster.leader}) {
    stop_and_audit(*cluster.nodes[node], cluster.folder.path(cluster.names[node]));
  }
}

// The first chunk of the log etcd still holds: after the tail's when every one was trimmed.
std::uint64_t first_chunk_kept(EtcdClient& client) {
  const Result<std::uint64_t> first = first_etcd_log_chunk(client, rehearsal_keys);
  REQUIRE(first.ok());
  return *first != 0 ? *first : read_etcd_log_tail(client, rehearsal_keys).value().chunks + 1;
}

// first_chunk_kept once the leader has trimmed at least up to `at_least` (it trims every 10 s,
// to what every node holds).
std::uint64_t first_chunk_kept_once(EtcdClient& client, std::uint64_t at_least) {
  std::uint64_t first = 0;
  poll_until([&] { return (first = first_chunk_kept(client)) >= at_least; },
             std::chrono::milliseconds(500));
  return first;
}

TEST_CASE("cluster: the leader trims the log to what every node holds, even one that is down",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TwoNodes cluster;
  EtcdClient client = etcd_client_of(cluster.etcd.client_urls());
  Receipts receipts = register_participants(cluster.leader_port, 1, 20);
  const std::size_t follower = 1 - cluster.leader;
  const std::string follower_name = cluster.names[follower];
  // Trimmed once the follower says it holds everything so far.
  const std::uint64_t tail_chunks = read_etcd_log_tail(client, rehearsal_keys)->chunks;
  CHECK(first_chunk_kept_once(client, tail_chunks + 1) == tail_chunks + 1);
  // The follower goes down; what it had not applied stays in etcd, however long it is gone.
  cluster.nodes[follower]->signal(SIGKILL);
  cluster.nodes[follower]->wait();
  const std::uint64_t held = read_node_statuses(client, rehearsal_keys)
                                 .value()
                                 .at(follower_name == "a" ? 0 : 1)
                                 .applied_chunks;
  receipts.merge(register_participants(cluster.leader_port, 21, 20));
  std::this_thread::sleep_for(std::chrono::seconds(12));  // a trim interval and more
  CHECK(first_chunk_kept(client) == held + 1);
  // Restarted, it catches up from its journal and the chunks kept for it.
  cluster.start_follower(follower);
  check_on_record(cluster.ports[follower], receipts);
}

// Every answer the node at `port` gives a registration until it stops answering; none may be
// an acknowledgement.
void check_acknowledges_nothing(unsigned short port, std::size_t first) {
  for (std::size_t number = first; number < first + 50; ++number) {
    try {
      Client client(port);
      const Answer answer =
          client.send(http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
                      fmt::format(R"({{"id":"C-{}","participant":"p-{}"}})", number, number));
      INFO(answer.body);
      CHECK(answer.status != 201);
    } catch (const boost::system::system_error&) {
      return;  // it stopped
    }
  }
}

TEST_CASE("cluster: a leader frozen past its lease acknowledges nothing once it thaws",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TwoNodes cluster;
  Receipts receipts = register_participants(cluster.leader_port, 1, 20);
  const std::size_t frozen = cluster.leader;
  const unsigned short frozen_port = cluster.leader_port;
  cluster.nodes[frozen]->signal(SIGSTOP);
  WARN("SIGSTOP of the leader to the next leader's readiness: "
       << cluster.wait_for_new_leader(std::chrono::steady_clock::now()) << " ms");
  receipts.merge(register_participants(cluster.leader_port, 21, 5));
  cluster.nodes[frozen]->signal(SIGCONT);
  check_acknowledges_nothing(frozen_port, 1000);
  const int status = cluster.nodes[frozen]->wait();
  INFO(cluster.nodes[frozen]->log());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  CHECK_THAT(cluster.nodes[frozen]->log(), Catch::Contains("lost its lease"));
  check_on_record(cluster.leader_port, receipts);
  CHECK(granted(cluster.leader_port) == receipts.size());
  // Restarted, it drops what it may have written alone and follows.
  cluster.start_follower(frozen);
}

// Registrations from `clients` connections at once until finish(), ids from C-`first` on;
// the receipts of those acknowledged (201). A connection the server drops ends its client.
class Burst {
 public:
  Burst(unsigned short port, std::size_t first, std::size_t clients) {
    for (std::size_t lane = 0; lane < clients; ++lane) {
      threads_.emplace_back([this, port, number = first + lane, clients]() mutable {
        try {
          Client client(port);
          for (; !stop_.load(); number += clients) send_one(client, number);
        } catch (const boost::system::system_error&) {
        }
      });
    }
  }
  std::size_t acknowledged() const { return acknowledged_.load(); }
  Receipts finish() {
    stop_.store(true);
    for (std::thread& thread : threads_) thread.join();
    return receipts_;
  }

 private:
  void send_one(Client& client, std::size_t number) {
    const Answer answer =
        client.send(http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
                    fmt::format(R"({{"id":"C-{}","participant":"p-{}"}})", number, number));
    if (answer.status != 201) return;
    const boost::json::object receipt = answer.json().as_object();
    const std::lock_guard lock(mutex_);
    receipts_[std::string(receipt.at("id").as_string())] = {
        receipt.at("seq").to_number<std::uint64_t>(),
        std::string(receipt.at("outcome").as_string())};
    acknowledged_.fetch_add(1);
  }

  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> acknowledged_{0};
  std::mutex mutex_;
  Receipts receipts_;
  std::vector<std::thread> threads_;
};

// The node at `port`'s decisions export once it is the same as the one at `other`'s.
void same_decisions_once(unsigned short port, unsigned short other) {
  poll_until(
      [&] {
        Client one(port);
        Client two(other);
        const Answer mine =
            one.send(http::verb::get, "/v1/export/decisions.jsonl", "dev-auditor-token");
        const Answer theirs =
            two.send(http::verb::get, "/v1/export/decisions.jsonl", "dev-auditor-token");
        return mine.status == 200 && mine.body == theirs.body;
      },
      std::chrono::milliseconds(300));
}

TEST_CASE("cluster: the leader killed mid-burst: every acknowledgement and key holds",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TwoNodes cluster;
  const std::string keyed_body = R"({"id":"K-1","participant":"p-k-1"})";
  Client keyed(cluster.leader_port);
  const Answer first = keyed.send(http::verb::post, "/v1/tranches/t2/submissions",
                                  "dev-portal-token", keyed_body, "application/json", "key-1");
  REQUIRE(first.status == 201);
  Burst burst(cluster.leader_port, 1, 4);
  poll_until([&] { return burst.acknowledged() >= 200; }, std::chrono::milliseconds(5));
  const std::size_t killed = cluster.leader;
  cluster.nodes[killed]->signal(SIGKILL);  // registrations still in flight
  cluster.nodes[killed]->wait();
  const Receipts receipts = burst.finish();
  INFO(receipts.size() << " acknowledged before the kill");
  cluster.wait_for_new_leader(std::chrono::steady_clock::now());
  check_on_record(cluster.leader_port, receipts);
  // Granted: every acknowledged one (and perhaps some the dead leader had committed unanswered).
  CHECK(granted(cluster.leader_port) >= receipts.size() + 1);
  // The retry with the key gets the first receipt, from the new leader.
  Client retry(cluster.leader_port);
  const Answer again = retry.send(http::verb::post, "/v1/tranches/t2/submissions",
                                  "dev-portal-token", keyed_body, "application/json", "key-1");
  CHECK(again.status == 201);
  CHECK(again.json().at("seq") == first.json().at("seq"));
  // Restarted, the killed node follows; both hold the same decisions, and pass the audit.
  cluster.start_follower(killed);
  same_decisions_once(cluster.ports[killed], cluster.leader_port);
  for (const std::size_t node : {killed, cluster.leader}) {
    stop_and_audit(*cluster.nodes[node], cluster.folder.path(cluster.names[node]));
  }
}

// A copy of the rehearsal scheme whose window closes `seconds` from now, in `folder`.
std::string scheme_closing_in(const TempFolder& folder, std::chrono::seconds seconds) {
  const std::time_t closes_at =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + seconds);
  std::tm utc{};
  gmtime_r(&closes_at, &utc);
  std::array<char, 32> at{};
  REQUIRE(std::strftime(at.data(), at.size(), "%Y-%m-%dT%H:%M:%SZ", &utc) > 0);
  return folder.write("closing.toml", fmt::format(R"([scheme]
id = "closing"
name = "A window that closes during the test"
timezone = "Europe/Amsterdam"
unique_participant = "scheme"
requires_partnership = false

[[tranche]]
id = "t2"
opens_at = 2020-12-01T09:00:00+01:00
closes_at = {}
places = 55000
ranking = "arrival"
)",
                                                  at.data()));
}

std::size_t closes_on_record(unsigned short port) {
  Client client(port);
  const Answer answer =
      client.send(http::verb::get, "/v1/export/events.jsonl", "dev-auditor-token");
  REQUIRE(answer.status == 200);
  std::size_t closes = 0;
  for (std::size_t at = answer.body.find(R"("type":"close")"); at != std::string::npos;
       at = answer.body.find(R"("type":"close")", at + 1)) {
    ++closes;
  }
  return closes;
}

TEST_CASE("cluster: a window closes on the clock once, by the leader, across a failover",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TempFolder schemes("closing-scheme");
  TwoNodes cluster(scheme_closing_in(schemes, std::chrono::seconds(30)));
  const Receipts receipts = register_participants(cluster.leader_port, 1, 10);
  poll_until(
      [&] {
        Client client(cluster.leader_port);
        const Answer tranche = client.send(http::verb::get, "/v1/tranches/t2", "dev-auditor-token");
        return tranche.status == 200 && tranche.json().at("closed").as_bool();
      },
      std::chrono::milliseconds(500));
  cluster.fail_over();  // the next leader looks at the clock too, and finds it closed
  std::this_thread::sleep_for(std::chrono::seconds(3));  // three of its clock checks
  check_on_record(cluster.leader_port, receipts);
  CHECK(closes_on_record(cluster.leader_port) == 1);
  same_decisions_once(cluster.ports[1 - cluster.leader], cluster.leader_port);
  CHECK(closes_on_record(cluster.ports[1 - cluster.leader]) == 1);
}

TEST_CASE("cluster: the leader goes on acknowledging when an etcd member is killed",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  TwoNodes cluster;
  Burst burst(cluster.leader_port, 1, 4);
  const auto acknowledged_past = [&](std::size_t count) {
    poll_until([&] { return burst.acknowledged() >= count; }, std::chrono::milliseconds(5));
  };
  acknowledged_past(100);
  cluster.etcd.kill_member(0);  // mid-burst: the member every node's clients talk to first
  acknowledged_past(burst.acknowledged() + 100);
  const Receipts receipts = burst.finish();
  check_on_record(cluster.leader_port, receipts);
  // The cluster still fails over with two members of three.
  cluster.fail_over();
  check_on_record(cluster.leader_port, receipts);
}

// The failover loop, like the crash loop: `build/dev/tests/loket_tests "[.failover-loop]"`,
// LOKET_FAILOVERS rounds (default 50).
TEST_CASE("cluster: the failover loop", "[.failover-loop][process][etcd][cluster]") {
  REQUIRE_FALSE(etcd_missing());
  const char* rounds = std::getenv("LOKET_FAILOVERS");
  TwoNodes cluster;
  Receipts receipts;
  const std::vector<std::uint64_t> failover_ms =
      failover_rounds(cluster, receipts, rounds ? std::stoul(rounds) : 50);
  WARN(failover_figures(failover_ms) << "; " << receipts.size() << " receipts all on record");
}

}  // namespace
}  // namespace loket
