// A connection's deadline bounds what the client is waited for, never what the server is:
// a submission whose record waits for the disk longer than the read timeout is still
// answered once it is durable.
#include <fmt/format.h>

#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "testing/fault_injection.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/server_fixture.hpp"

namespace loket::testing {

TEST_CASE("A submission waiting for the disk past the read timeout is still answered",
          "[process]") {
  TempFolder folder("deadline-disk");
  FaultInjectionEnv fault = make_fault_injection_env();
  constexpr std::chrono::milliseconds read_timeout{200};
  ServerSetup setup;
  setup.env = fault.env.get();
  setup.adjust = [&](ServerOptions& options) {
    options.read_timeout = read_timeout;
    options.idle_timeout = std::chrono::milliseconds(60'000);
    options.write_timeout = std::chrono::milliseconds(60'000);
  };
  RunningServer server(folder, setup);
  fault.faults->stall_sync = true;
  Answer answer;  // status 0: the server closed the connection instead of answering
  std::thread client([&] {
    Client submitter(server.port());
    try {
      answer = submitter.send(boost::beast::http::verb::post, "/v1/tranches/t2/submissions",
                              "portal", R"({"participant":"patient"})");
    } catch (const boost::system::system_error&) {
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (server.pipeline().counters().accepted.load() == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(server.pipeline().counters().accepted.load() == 1);
  // Several read timeouts and sweeps pass while the record is not durable.
  std::this_thread::sleep_for(5 * read_timeout);
  CHECK(server.pipeline().durable_sequence() == 0);
  fault.faults->stall_sync = false;
  client.join();
  CHECK(answer.status == 201);
}

}  // namespace loket::testing
