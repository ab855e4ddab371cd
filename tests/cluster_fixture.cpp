#include "tests/cluster_fixture.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"

namespace loket::testing {

std::string endpoints_of(const EtcdCluster& etcd) {
  std::string endpoints;
  for (const std::string& url : etcd.client_urls()) {
    endpoints += (endpoints.empty() ? "" : ",") + url;
  }
  return endpoints;
}

std::vector<boost::json::object> register_in_t2(unsigned short port, std::size_t first,
                                                std::size_t count) {
  std::vector<boost::json::object> receipts;
  Client client(port);
  for (std::size_t number = first; number < first + count; ++number) {
    const Answer answer = client.send(
        boost::beast::http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
        fmt::format(R"({{"id":"C-{}","participant":"p-{}"}})", number, number));
    INFO(answer.body);
    REQUIRE(answer.status == 201);
    receipts.push_back(answer.json().as_object());
  }
  return receipts;
}

std::uint64_t milliseconds_since(std::chrono::steady_clock::time_point then) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - then)
          .count());
}

TwoNodes::TwoNodes(std::string scheme_file, std::vector<std::string> extra)
    : scheme(std::move(scheme_file)), extra_arguments(std::move(extra)) {
  start_node_at(0);
  INFO(nodes[0]->log());
  REQUIRE(nodes[0]->wait_for_log("node a was elected", hang_timeout));
  REQUIRE(readyz_becomes(ports[0], 200, hang_timeout));
  leader_port = ports[0];
  start_follower(1);
}

void TwoNodes::start_node_at(std::size_t index) {
  std::vector<std::string> arguments = {"serve",
                                        "--scheme",
                                        scheme,
                                        "--data",
                                        folder.path(names[index]),
                                        "--listen",
                                        "127.0.0.1:0",
                                        "--tokens",
                                        source_path("app/development-tokens.toml"),
                                        "--cluster",
                                        endpoints_of(etcd),
                                        "--node",
                                        names[index],
                                        "--lease-ttl",
                                        "2"};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  nodes[index] = std::make_unique<ChildProcess>(build_path("loket"), arguments);
  const std::optional<unsigned short> port = nodes[index]->wait_listening(hang_timeout);
  INFO(nodes[index]->log());
  REQUIRE(port);
  ports[index] = *port;
}

void TwoNodes::start_follower(std::size_t index) {
  start_node_at(index);
  INFO(nodes[index]->log());
  REQUIRE(nodes[index]->wait_for_log(fmt::format("follows: node {} at http://127.0.0.1:{} leads",
                                                 names[1 - index], ports[1 - index]),
                                     hang_timeout));
}

std::uint64_t TwoNodes::wait_for_new_leader(std::chrono::steady_clock::time_point since) {
  leader = 1 - leader;
  INFO(nodes[leader]->log());
  REQUIRE(readyz_becomes(ports[leader], 200, hang_timeout));
  leader_port = ports[leader];
  return milliseconds_since(since);
}

std::uint64_t TwoNodes::fail_over() {
  nodes[leader]->signal(SIGKILL);
  nodes[leader]->wait();
  const auto killed_at = std::chrono::steady_clock::now();
  const std::size_t killed = leader;
  const std::uint64_t failover_ms = wait_for_new_leader(killed_at);
  start_follower(killed);
  return failover_ms;
}

}  // namespace loket::testing
