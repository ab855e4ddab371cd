// The operator's dashboard through the real executable: GET /ops is one self-contained page
// with a strict Content-Security-Policy; GET /v1/ops/stream sends a snapshot a second to the
// operator and the auditor only, up to its limit; and in Debian's headless Chromium, over TLS,
// the page, given the auditor's token in its form (never in a URL), shows figures that move
// during a burst and end equal to GET /v1/tranches/{id}. The screenshot is kept under the
// build folder.
#include <fmt/format.h>
#include <signal.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>

#include "net/limits.hpp"
#include "tests/child_process.hpp"
#include "tests/etcd_test.hpp"
#include "tests/headless_chromium.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

// 40 places, open for decades: a burst of 50 fills it, and the rest is rejected tranche_full.
constexpr std::string_view dashboard_scheme = R"(
[scheme]
id = "dashboard"
name = "Dashboard"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2099-12-01T08:00:00Z"
places = 40
ranking = "arrival"
)";

std::vector<std::string> serve_arguments(TempFolder& folder) {
  return loopback_serve_arguments(folder.write("dashboard.toml", dashboard_scheme),
                                  folder.path("journal"));
}

// An event stream on a connection of its own: the response head and, when it is 200, the
// first event.
struct OpenStream {
  boost::asio::io_context io;
  tcp::socket socket{io};
  std::string received;
};

std::unique_ptr<OpenStream> open_stream(unsigned short port, std::string_view token) {
  auto stream = std::make_unique<OpenStream>();
  stream->socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(stream->socket,
                     boost::asio::buffer(fmt::format("GET /v1/ops/stream HTTP/1.1\r\nHost: x\r\n"
                                                     "Authorization: Bearer {}\r\n\r\n",
                                                     token)));
  auto buffer = boost::asio::dynamic_buffer(stream->received);
  boost::asio::read_until(stream->socket, buffer, "\r\n\r\n");
  if (stream->received.starts_with("HTTP/1.1 200 ")) {
    boost::asio::read_until(stream->socket, buffer, "}\n\n");
  }
  return stream;
}

}  // namespace

TEST_CASE("ops: the page is public and strict and the stream is for the operator and auditor",
          "[process][ops]") {
  TempFolder folder("ops-stream");
  ChildProcess server(build_path("loket"), serve_arguments(folder));
  const auto port = server.wait_listening(hang_timeout);
  INFO(server.log());
  REQUIRE(port);
  Client client(*port);
  const Answer page = client.send(http::verb::get, "/ops", "");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  const std::string policy(page.headers["Content-Security-Policy"]);
  CHECK(policy.starts_with("default-src 'none'; script-src 'sha256-"));
  CHECK(policy.find("unsafe") == std::string::npos);
  // Self-contained: nothing is fetched from anywhere but the page's own server.
  for (const std::string_view fetches : {"src=", "href=", "url(", "@import"}) {
    CHECK(page.body.find(fetches) == std::string::npos);
  }
  CHECK(client.send(http::verb::post, "/ops", "", "{}").status == 405);
  CHECK(client.send(http::verb::get, "/v1/ops/stream", "").status == 401);
  CHECK(client.send(http::verb::get, "/v1/ops/stream", "dev-portal-token").status == 403);

  const auto first = open_stream(*port, "dev-operator-token");
  CHECK(first->received.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(first->received.find("Content-Type: text/event-stream") != std::string::npos);
  const std::size_t data = first->received.find("data: {");
  REQUIRE(data != std::string::npos);
  const json::value snapshot =
      json::parse(std::string_view(first->received)
                      .substr(data + 6)
                      .substr(0, first->received.find("\n\n", data) - data - 6));
  CHECK(snapshot.at("scheme") == "dashboard");
  CHECK(snapshot.at("tranches").at(0).at("pools").at(0).at("remaining") == 40);
  // At the limit every stream is served; one more is refused with a problem, not queued.
  std::vector<std::unique_ptr<OpenStream>> streams;
  for (std::size_t count = 1; count < net_limits::ops_streams_max; ++count) {
    streams.push_back(open_stream(*port, "dev-auditor-token"));
    CHECK(streams.back()->received.starts_with("HTTP/1.1 200 OK\r\n"));
  }
  const Answer over = client.send(http::verb::get, "/v1/ops/stream", "dev-auditor-token");
  CHECK(over.status == 503);
  CHECK(over.problem_type() == "busy");
  streams.clear();  // they end when the server next writes to them, and free their places
  poll_until([&] {
    return open_stream(*port, "dev-auditor-token")->received.starts_with("HTTP/1.1 200 ");
  });
  // A stream ends cleanly when the server stops, and the server does stop.
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
}

TEST_CASE(
    "ops: the dashboard in headless Chromium over TLS moves with a burst and agrees "
    "with the API",
    "[process][ops][browser]") {
  TempFolder folder("ops-browser");
  const std::string certificate = source_path("tests/data/tls/test-certificate.pem");
  std::vector<std::string> arguments = serve_arguments(folder);
  arguments.push_back("--config");
  arguments.push_back(folder.write(
      "tls.toml", fmt::format("[tls]\ncertificate_chain_file = \"{}\"\nprivate_key_file = \"{}\"\n",
                              certificate, source_path("tests/data/tls/test-key.pem"))));
  ChildProcess server(build_path("loket"), arguments);
  constexpr std::string_view listening = "listening on https://127.0.0.1:";
  INFO(server.log());
  REQUIRE(server.wait_for_log(listening, hang_timeout));
  const std::string log = server.log();
  const std::string origin = fmt::format(
      "https://127.0.0.1:{}", std::stoi(log.substr(log.find(listening) + listening.size())));
  std::filesystem::create_directories(folder.path("profile"));
  // The test certificate is the server's own; Chromium is told to take it.
  HeadlessChromium browser(folder.path("profile"), {"--ignore-certificate-errors"});
  browser.navigate(origin + "/ops");
  browser.evaluate(
      "document.getElementById('token').value = 'dev-auditor-token';"
      "document.getElementById('token-form').requestSubmit(); true");
  const auto dom_number = [&](const std::string& selector, const std::string& attribute) {
    const json::value value =
        browser.evaluate(fmt::format("(() => {{ const e = document.querySelector(\"{}\"); const n "
                                     "= e ? Number(e.dataset.{}) : -1;"
                                     " return Number.isNaN(n) ? -1 : n; }})()",
                                     selector, attribute));
    return value.to_number<std::int64_t>();
  };
  poll_until([&] { return dom_number("#durable-sequence", "value") >= 0; });
  CHECK(browser.evaluate("document.getElementById('stream-state').textContent") == "live");
  CHECK(browser.evaluate("location.href").as_string() == origin + "/ops");
  CHECK(dom_number("[data-tranche='t'] tr[data-outcome='granted']", "count") == 0);

  // The burst: the rehearsal tool over TLS, with the test certificate as its CA.
  const LoketRun burst =
      run_loket({"loadtest", "--target", origin, "--ca-file", certificate, "--tranche", "t",
                 "--registrations", "50", "--connections", "8", "--duplicates", "0", "--bad", "0"});
  INFO(burst.output);
  REQUIRE(burst.exit_code == 0);
  // The API's figures, read by the page's own origin with the same token.
  const json::value tranche = browser.evaluate(
      "fetch('/v1/tranches/t', {headers: {Authorization: 'Bearer dev-auditor-token'}})"
      ".then((r) => r.json())");
  const auto granted = tranche.at("applications").at("granted").to_number<std::int64_t>();
  const auto rejected = tranche.at("applications").at("rejected").to_number<std::int64_t>();
  CHECK(granted == 40);
  CHECK(rejected == 10);
  // The page may show a snapshot from the middle of the burst first; it ends at the API's.
  poll_until([&] {
    return dom_number("[data-tranche='t'] tr[data-outcome='granted']", "count") == granted &&
           dom_number("[data-tranche='t'] tr[data-reason='tranche_full']", "count") == rejected;
  });
  CHECK(dom_number("[data-tranche='t'] tr[data-compartment='']", "remaining") ==
        tranche.at("pools").at(0).at("remaining").to_number<std::int64_t>());
  poll_until([&] { return dom_number("#durable-sequence", "value") >= 50; });
  CHECK(browser.evaluate("document.querySelectorAll('#rate-chart polyline').length") == 1);
  CHECK(browser.evaluate("sessionStorage.length") == 1);  // the token stays in this tab
  const std::string screenshot = build_path("browser/ops-dashboard.png");
  std::filesystem::create_directories(std::filesystem::path(screenshot).parent_path());
  browser.save_screenshot(screenshot);
  CHECK(std::filesystem::file_size(screenshot) > 10'000);
}

}  // namespace loket::testing
