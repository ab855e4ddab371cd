// Prometheus against the real executable: the alert rules in docs/ops pass `promtool check
// rules` and their own unit tests, and Debian's Prometheus, started on loopback with those
// rules, scrapes loket with the auditor's token and reads back the gauges and the latency
// histogram through its query API, with the tranche alert pending once the tranche is full;
// the Grafana dashboard's queries are valid there and name only what loket exports.
#include <fmt/format.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <map>

#include "tests/child_process.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr std::string_view full_scheme = R"(
[scheme]
id = "scrape"
name = "Scrape"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2099-12-01T08:00:00Z"
places = 20
ranking = "arrival"
)";

// A program's exit status and output, run to its end.
std::pair<int, std::string> run_program(const std::string& program,
                                        const std::vector<std::string>& arguments) {
  ChildProcess child(program, arguments);
  const int status = child.wait();
  return {status, child.log()};
}

unsigned short free_loopback_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

std::string url_encoded(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-') {
      encoded.push_back(c);
    } else {
      encoded += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return encoded;
}

// The values of an instant query, by the series' `label`; empty while Prometheus has none or
// does not listen yet.
std::map<std::string, double> query(unsigned short port, std::string_view promql,
                                    std::string_view label = "__name__") {
  Answer answer;
  try {
    Client client(port);
    answer = client.send(http::verb::get,
                         fmt::format("/api/v1/query?query={}", url_encoded(promql)), "");
  } catch (const boost::system::system_error&) {
    return {};
  }
  if (answer.status != 200) return {};
  std::map<std::string, double> values;
  const json::value body = answer.json();
  for (const json::value& series : body.at("data").at("result").as_array()) {
    const json::object& metric = series.at("metric").as_object();
    const json::value* name = metric.if_contains(label);
    values[name ? std::string(name->as_string()) : ""] =
        std::stod(std::string(series.at("value").at(1).as_string()));
  }
  return values;
}

}  // namespace

TEST_CASE("prometheus: the alert rules pass promtool's check and their unit tests",
          "[process][prometheus]") {
  const auto [checked, check_log] =
      run_program("/usr/bin/promtool", {"check", "rules", source_path("docs/ops/alerts.yml")});
  INFO(check_log);
  CHECK(checked == 0);
  CHECK(check_log.find("SUCCESS: 6 rules found") != std::string::npos);
  const auto [tested, test_log] =
      run_program("/usr/bin/promtool", {"test", "rules", source_path("docs/ops/alerts.test.yml")});
  INFO(test_log);
  CHECK(tested == 0);
}

TEST_CASE("prometheus: a real Prometheus scrapes loket and reads its series back",
          "[process][prometheus]") {
  TempFolder folder("prometheus");
  ChildProcess server(
      build_path("loket"),
      loopback_serve_arguments(folder.write("scrape.toml", full_scheme), folder.path("journal")));
  const auto port = server.wait_listening(hang_timeout);
  INFO(server.log());
  REQUIRE(port);
  Client client(*port);
  for (int number = 1; number <= 25; ++number) {
    REQUIRE(client
                .send(http::verb::post, "/v1/tranches/t/submissions", "dev-portal-token",
                      fmt::format(R"({{"id":"S-{}","participant":"p-{}"}})", number, number))
                .status == 201);
  }
  const std::string config =
      folder.write("prometheus.yml", fmt::format(R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ["{}"]
scrape_configs:
  - job_name: loket
    authorization: {{credentials: dev-auditor-token}}
    static_configs: [{{targets: ["127.0.0.1:{}"]}}]
)",
                                                 source_path("docs/ops/alerts.yml"), *port));
  const unsigned short prometheus_port = free_loopback_port();
  ChildProcess prometheus("/usr/bin/prometheus",
                          {fmt::format("--config.file={}", config),
                           fmt::format("--storage.tsdb.path={}", folder.path("tsdb")),
                           fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port)});
  INFO(prometheus.log());
  poll_until([&] {
    return query(prometheus_port, "up").count("up") == 1 && query(prometheus_port, "up")["up"] == 1;
  });
  poll_until([&] {
    return query(prometheus_port, "loket_durable_sequence")["loket_durable_sequence"] >= 25;
  });
  CHECK(query(prometheus_port, "loket_ready")["loket_ready"] == 1);
  CHECK(query(prometheus_port,
              "loket_pool_remaining_units{tranche=\"t\"}")["loket_pool_remaining_units"] == 0);
  const auto outcomes = query(prometheus_port, "loket_tranche_applications", "outcome");
  CHECK(outcomes.at("granted") == 20);
  CHECK(outcomes.at("rejected") == 5);
  CHECK(query(prometheus_port,
              "loket_ack_latency_seconds_count")["loket_ack_latency_seconds_count"] >= 25);
  // The rules loaded and evaluate: the full tranche's alert is on.
  poll_until([&] {
    return query(prometheus_port, "ALERTS{alertname=\"LoketTrancheNearlyFull\"}", "tranche")
               .count("t") == 1;
  });
  // Every query of the Grafana dashboard is valid PromQL to this Prometheus and names only
  // families loket exports.
  const std::string metrics =
      Client(*port).send(http::verb::get, "/metrics", "dev-auditor-token").body;
  const json::value dashboard =
      json::parse(read_text(source_path("docs/ops/grafana-dashboard.json")));
  std::size_t queries = 0;
  for (const json::value& panel : dashboard.at("panels").as_array()) {
    for (const json::value& target : panel.at("targets").as_array()) {
      std::string expression(target.at("expr").as_string());
      for (std::size_t at; (at = expression.find("$instance")) != std::string::npos;) {
        expression.replace(at, 9, ".*");
      }
      INFO(expression);
      const Answer answer =
          Client(prometheus_port)
              .send(http::verb::get, fmt::format("/api/v1/query?query={}", url_encoded(expression)),
                    "");
      CHECK(answer.status == 200);
      for (std::size_t at = 0; (at = expression.find("loket_", at)) != std::string::npos;) {
        const std::size_t end = expression.find_first_of("{[ )", at);
        std::string name = expression.substr(at, end - at);
        for (const std::string_view suffix : {"_bucket", "_count", "_sum"}) {
          if (name.ends_with(suffix)) name.resize(name.size() - suffix.size());
        }
        CHECK(metrics.find("# TYPE " + name + " ") != std::string::npos);
        at = end;
      }
      ++queries;
    }
  }
  CHECK(queries >= 12);
  prometheus.signal(SIGTERM);
  prometheus.wait();
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

}  // namespace loket::testing
