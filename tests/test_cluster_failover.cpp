// `loket serve --cluster` as real processes: three etcd members and two loket nodes on
// loopback. The leader is SIGKILLed after acknowledging registrations; the other node is
// elected, catches up from etcd and serves every acknowledged registration with the decision
// its receipt gave; the killed node, restarted, waits, and leads again (caught up with what the
// second leader accepted) once that one stops. Each journal passes `loket audit`.
#include <fmt/format.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <csignal>
#include <map>
#include <sstream>

#include "tests/child_process.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

namespace loket {
namespace {

using namespace testing;
namespace http = boost::beast::http;

// Generous: only a hang ends these waits; a slow machine just takes longer.
constexpr std::chrono::milliseconds hang_timeout{120'000};

std::unique_ptr<ChildProcess> start_node(const EtcdCluster& etcd, const TempFolder& folder,
                                         const std::string& name) {
  std::string endpoints;
  for (const std::string& url : etcd.client_urls()) {
    endpoints += (endpoints.empty() ? "" : ",") + url;
  }
  return std::make_unique<ChildProcess>(
      build_path("loket"),
      std::vector<std::string>{"serve", "--scheme", source_path("schemes/rehearsal.toml"), "--data",
                               folder.path(name), "--listen", "127.0.0.1:0", "--tokens",
                               source_path("app/development-tokens.toml"), "--cluster", endpoints,
                               "--node", name, "--lease-ttl", "2"});
}

// A receipt's sequence and outcome, by application id.
using Receipts = std::map<std::string, std::pair<std::uint64_t, std::string>>;

// Registers `count` participants; returns their receipts.
Receipts register_participants(unsigned short port, std::size_t first, std::size_t count) {
  Receipts receipts;
  Client client(port);
  for (std::size_t number = first; number < first + count; ++number) {
    const Answer answer =
        client.send(http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
                    fmt::format(R"({{"id":"C-{}","participant":"p-{}"}})", number, number));
    REQUIRE(answer.status == 201);
    const boost::json::object receipt = answer.json().as_object();
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

TEST_CASE("cluster: registrations acknowledged by a killed leader are served by the next",
          "[process][etcd][cluster]") {
  if (etcd_missing()) return;
  EtcdCluster etcd(3);
  TempFolder folder("cluster-failover");
  std::unique_ptr<ChildProcess> a = start_node(etcd, folder, "a");
  const std::optional<unsigned short> a_port = a->wait_listening(hang_timeout);
  INFO(a->log());
  REQUIRE(a_port);
  std::unique_ptr<ChildProcess> b = start_node(etcd, folder, "b");
  REQUIRE(b->wait_for_log("waits to lead: node a", hang_timeout));

  Receipts receipts = register_participants(*a_port, 1, 200);
  a->signal(SIGKILL);
  a->wait();
  const auto killed_at = std::chrono::steady_clock::now();
  const std::optional<unsigned short> b_port = b->wait_listening(hang_timeout);
  INFO(b->log());
  REQUIRE(b_port);
  REQUIRE(readyz_becomes(*b_port, 200, hang_timeout));
  WARN("failover: the next leader answered "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                killed_at)
              .count()
       << " ms after the kill");
  check_on_record(*b_port, receipts);
  CHECK(granted(*b_port) == receipts.size());
  receipts.merge(register_participants(*b_port, 201, 10));

  // The killed node comes back, catches up once the second leader steps down, and serves all.
  a = start_node(etcd, folder, "a");
  REQUIRE(a->wait_for_log("waits to lead: node b", hang_timeout));
  stop_and_audit(*b, folder.path("b"));
  const std::optional<unsigned short> again = a->wait_listening(hang_timeout);
  INFO(a->log());
  REQUIRE(again);
  REQUIRE(readyz_becomes(*again, 200, hang_timeout));
  CHECK(a->wait_for_log("10 events applied", hang_timeout));
  check_on_record(*again, receipts);
  CHECK(granted(*again) == receipts.size());
  stop_and_audit(*a, folder.path("a"));
}

}  // namespace
}  // namespace loket
