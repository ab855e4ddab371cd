// `loket loadtest` as a CI gate, through the real executable: the pre-flight refuses, before
// anything is sent or journaled, an unknown tranche, a wrong token, a closed window and an
// unreachable target (in a sentence, without a library's source path); against a server on a
// slow disk, `--threshold p99<1ms` exits with the threshold code while thresholds it meets
// exit 0; the progress comes as plain lines in a log; the JSON report has every figure; and
// the HTML report, opened in headless Chromium, shows the same figures and its charts.
#include <fmt/format.h>
#include <signal.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

#include "loadgen/loadtest_command.hpp"
#include "tests/child_process.hpp"
#include "tests/etcd_test.hpp"
#include "tests/headless_chromium.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

// "open" takes registrations until 2099; "past" closed in 2021.
constexpr std::string_view gate_scheme = R"(
[scheme]
id = "gate"
name = "Gate"
unique_participant = "scheme"
[[tranche]]
id = "open"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2099-12-01T08:00:00Z"
places = 100000
ranking = "arrival"
[[tranche]]
id = "past"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2021-12-01T08:00:00Z"
places = 10
ranking = "arrival"
)";

LoketRun loadtest(unsigned short port, const std::vector<std::string>& extra,
                  std::string_view registrations = "600") {
  std::vector<std::string> arguments = {"loadtest",
                                        "--target",
                                        fmt::format("http://127.0.0.1:{}", port),
                                        "--registrations",
                                        std::string(registrations),
                                        "--connections",
                                        "2",
                                        "--duplicates",
                                        "0",
                                        "--bad",
                                        "0"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return run_loket(arguments);
}

// Submissions the server holds in the gate's two tranches. Not the journal's records: the
// server's own clock journals the close of "past" whenever its check comes round.
std::uint64_t submissions_held(unsigned short port) {
  std::uint64_t held = 0;
  for (const std::string_view tranche : {"open", "past"}) {
    const json::value status =
        Client(port)
            .send(http::verb::get, fmt::format("/v1/tranches/{}", tranche), "dev-auditor-token")
            .json();
    for (const auto& [outcome, count] : status.at("applications").as_object()) {
      held += count.to_number<std::uint64_t>();
    }
  }
  return held;
}

std::unique_ptr<ChildProcess> fault_server(TempFolder& folder) {
  return std::make_unique<ChildProcess>(
      build_path("tests/loket_fault_serve"),
      std::vector<std::string>{"--scheme", folder.write("gate.toml", gate_scheme), "--data",
                               folder.path("journal"), "--listen", "127.0.0.1:0", "--tokens",
                               source_path("app/development-tokens.toml")});
}

}  // namespace

TEST_CASE("loadtest gate: the pre-flight refuses before anything is sent", "[process][loadtest]") {
  TempFolder folder("loadtest-preflight");
  const auto server = fault_server(folder);
  const auto port = server->wait_listening(hang_timeout);
  INFO(server->log());
  REQUIRE(port);

  const LoketRun unknown = loadtest(*port, {"--tranche", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("pre-flight: the server has no tranche nope") != std::string::npos);
  const LoketRun wrong_token = loadtest(*port, {"--tranche", "open", "--token", "guess"});
  CHECK(wrong_token.exit_code == 2);
  CHECK(wrong_token.output.find("does not accept the portal token") != std::string::npos);
  const LoketRun wrong_auditor =
      loadtest(*port, {"--tranche", "open", "--auditor-token", "dev-portal-token"});
  CHECK(wrong_auditor.exit_code == 2);
  CHECK(wrong_auditor.output.find("does not accept the auditor token") != std::string::npos);
  const LoketRun closed = loadtest(*port, {"--tranche", "past"});
  CHECK(closed.exit_code == 2);
  CHECK(closed.output.find("tranche past closed at 2021-12-01T08:00:00") != std::string::npos);
  const LoketRun bad_threshold = loadtest(*port, {"--tranche", "open", "--threshold", "p99<1"});
  CHECK(bad_threshold.exit_code == 2);
  CHECK(bad_threshold.output.find("--threshold 'p99<1': the unit must be") != std::string::npos);
  CHECK(submissions_held(*port) == 0);  // nothing of the above was sent
  const LoketRun unreachable =
      run_loket({"loadtest", "--target", "http://127.0.0.1:1", "--tranche", "open"});
  CHECK(unreachable.exit_code == 2);
  CHECK(unreachable.output.find("does not answer") != std::string::npos);
  CHECK(unreachable.output.find(".hpp") == std::string::npos);
  CHECK(unreachable.output.find("[system:") == std::string::npos);
  // A target that takes the connection and never answers is given up on, not waited for.
  boost::asio::io_context io;
  const boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const LoketRun hung = run_loket(
      {"loadtest", "--target", fmt::format("http://127.0.0.1:{}", silent.local_endpoint().port()),
       "--tranche", "open"});
  CHECK(hung.exit_code == 2);
  CHECK(hung.output.find("does not answer: The socket was closed due to a timeout") !=
        std::string::npos);
  server->signal(SIGTERM);
  CHECK(server->wait() == 0);
}

TEST_CASE("loadtest gate: a missed threshold exits 3, with progress lines and reports",
          "[process][loadtest][browser]") {
  TempFolder folder("loadtest-gate");
  const auto server = fault_server(folder);
  const auto port = server->wait_listening(hang_timeout);
  INFO(server->log());
  REQUIRE(port);
  // A disk whose every sync takes 5 ms: no acknowledgement can come within 1 ms.
  server->send_line("slow-sync");
  REQUIRE(server->wait_for_log("faults: slow-sync", hang_timeout));
  const std::string json_path = folder.path("report.json");
  const std::string html_path = folder.path("report.html");
  const LoketRun slow =
      loadtest(*port, {"--tranche", "open", "--threshold", "p99<1ms", "--threshold", "errors<1%",
                       "--report", json_path, "--html-report", html_path});
  INFO(slow.output);
  CHECK(slow.exit_code == loadtest_exit_threshold_missed);
  CHECK(slow.output.find("threshold p99<1ms: ") != std::string::npos);
  CHECK(slow.output.find("NOT MET") != std::string::npos);
  CHECK(slow.output.find("threshold errors<1%: 0.000% met") != std::string::npos);
  // Not a terminal: plain progress lines, each with the last second's figures.
  CHECK(slow.output.find("1 s: sent ") != std::string::npos);
  CHECK(slow.output.find("; last second ") != std::string::npos);
  CHECK(slow.output.find('\r') == std::string::npos);
  const json::value report = json::parse(read_text(json_path));
  CHECK(report.at("answered") == 600);
  CHECK(report.at("latency_us").at("p95").to_number<double>() >= 5000);
  CHECK(report.at("latency_us").at("mean").to_number<double>() >= 5000);
  CHECK(report.at("started_at").as_string().starts_with("20"));
  CHECK(report.at("thresholds").at(0).at("met") == false);
  CHECK(report.at("thresholds").at(1).at("met") == true);
  CHECK(report.at("intervals").as_array().size() >= 1);

  const LoketRun met = loadtest(
      *port, {"--tranche", "open", "--threshold", "p99<10s", "--threshold", "rate>1"}, "50");
  INFO(met.output);
  CHECK(met.exit_code == 0);

  std::filesystem::create_directories(folder.path("profile"));
  HeadlessChromium browser(folder.path("profile"));
  browser.navigate("file://" + html_path);
  CHECK(browser.evaluate("document.getElementById('verdict').textContent") == "FAIL");
  CHECK(browser.evaluate("document.getElementById('answered').textContent") == "600");
  CHECK(browser.evaluate("document.querySelectorAll('tr.threshold').length") == 2);
  CHECK(browser.evaluate("document.querySelector('tr.threshold .fail') !== null") == true);
  CHECK(browser.evaluate("Number(document.querySelector('#rate-chart polyline').dataset.points)")
            .to_number<std::int64_t>() ==
        static_cast<std::int64_t>(report.at("intervals").as_array().size()));
  CHECK(browser.evaluate("document.querySelectorAll('#latency-chart polyline').length") == 2);
  const std::string screenshot = build_path("browser/loadtest-report.png");
  std::filesystem::create_directories(std::filesystem::path(screenshot).parent_path());
  browser.save_screenshot(screenshot);
  server->signal(SIGTERM);
  CHECK(server->wait() == 0);
}

}  // namespace loket::testing

namespace loket::testing {

TEST_CASE("loadtest gate: an https target is checked against its CA and its name",
          "[process][loadtest]") {
  TempFolder folder("loadtest-tls");
  const std::string certificate = source_path("tests/data/tls/test-certificate.pem");
  const std::string config = folder.write(
      "tls.toml", fmt::format("[tls]\ncertificate_chain_file = \"{}\"\nprivate_key_file = \"{}\"\n",
                              certificate, source_path("tests/data/tls/test-key.pem")));
  ChildProcess server(build_path("loket"),
                      loopback_serve_arguments(folder.write("gate.toml", gate_scheme),
                                               folder.path("journal"), {"--config", config}));
  constexpr std::string_view listening = "listening on https://127.0.0.1:";
  REQUIRE(server.wait_for_log(listening, hang_timeout));
  const std::string log = server.log();
  const std::string port = log.substr(log.find(listening) + listening.size(), 5);
  const std::string target = "https://127.0.0.1:" + port.substr(0, port.find(' '));
  const auto run = [&](std::vector<std::string> extra) {
    // No duplicates or bad requests: every registration is granted, whatever the run id.
    std::vector<std::string> arguments = {"loadtest", "--target",        target, "--tranche",
                                          "open",     "--registrations", "100",  "--connections",
                                          "4",        "--duplicates",    "0",    "--bad",
                                          "0"};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run_loket(arguments);
  };
  const LoketRun verified = run({"--ca-file", certificate});
  INFO(verified.output);
  CHECK(verified.exit_code == 0);
  CHECK(verified.output.find("check: 100 places granted") != std::string::npos);
  const LoketRun unknown_ca = run({});
  INFO(unknown_ca.output);
  CHECK(unknown_ca.exit_code == 2);
  CHECK(unknown_ca.output.find("pre-flight: " + target +
                               " does not answer: certificate verify failed") != std::string::npos);
  const LoketRun no_file = run({"--ca-file", folder.path("missing.pem")});
  CHECK(no_file.exit_code == 2);
  CHECK(no_file.output.find("not readable as PEM certificates") != std::string::npos);
  const LoketRun plain = run_loket({"loadtest", "--target", "http://127.0.0.1:1", "--tranche",
                                    "open", "--ca-file", certificate});
  CHECK(plain.exit_code == 2);
  CHECK(plain.output.find("--ca-file is for an https:// --target") != std::string::npos);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

}  // namespace loket::testing
