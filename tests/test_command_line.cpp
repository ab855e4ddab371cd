// The command line as an installer and a script see it: --version, exit status 2 for every
// command line that cannot be run (0 for --help), an unknown subcommand named as such, and
// --listen taking a host name as well as an address. (A name that does not resolve is not
// tried: the answer would depend on the machine's resolver, and could take long.)
#include <signal.h>

#include <catch2/catch.hpp>

#include "base/version.hpp"
#include "tests/child_process.hpp"
#include "tests/etcd_test.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

namespace loket::testing {

TEST_CASE("command line: --version and exit status 2 for what cannot be run", "[process]") {
  const LoketRun version = run_loket({"--version"});
  CHECK(version.exit_code == 0);
  CHECK(version.output == "loket " + std::string(loket_version) + "\n");
  CHECK(run_loket({"--help"}).exit_code == 0);
  CHECK(run_loket({"audit", "--help"}).exit_code == 0);

  const LoketRun unknown = run_loket({"frobnicate", "--data", "x"});
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Catch::Contains("unknown subcommand 'frobnicate'"));
  CHECK_THAT(unknown.output, Catch::Contains("allocate, audit, export"));
  const LoketRun none = run_loket({});
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, Catch::Contains("loket: name a subcommand: allocate, audit"));
  // A subcommand's own subcommands likewise, and --help still helps.
  const LoketRun nested = run_loket({"cluster", "bogus"});
  CHECK(nested.exit_code == 2);
  CHECK_THAT(
      nested.output,
      Catch::Contains("loket cluster: unknown subcommand 'bogus'; the subcommands are status"));
  const LoketRun nested_none = run_loket({"cluster"});
  CHECK(nested_none.exit_code == 2);
  CHECK_THAT(nested_none.output, Catch::Contains("loket cluster: name a subcommand: status"));
  CHECK(run_loket({"cluster", "--help"}).exit_code == 0);
  const LoketRun option_first = run_loket({"cluster", "--cluster", "http://127.0.0.1:1"});
  CHECK(option_first.exit_code == 2);
  CHECK_THAT(option_first.output, Catch::Contains("loket cluster: name a subcommand: status"));
  // A report in a language it does not have.
  const LoketRun language = run_loket({"report", "--data", "x", "--lang", "de"});
  CHECK(language.exit_code == 2);
  CHECK_THAT(language.output, Catch::Contains("--lang"));
  const LoketRun unexpected = run_loket({"audit", "--data", "x", "--bogus"});
  CHECK(unexpected.exit_code == 2);
  CHECK_THAT(unexpected.output, Catch::Contains("--bogus"));
  const LoketRun missing = run_loket({"audit"});
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Catch::Contains("--data is required"));
  CHECK(run_loket({"demo", "--registrations", "not-a-number"}).exit_code == 2);
}

TEST_CASE("command line: --listen takes a host name and names a wrong one", "[process]") {
  TempFolder folder("listen");
  const auto serve_on = [&](const std::string& listen) {
    return std::vector<std::string>{"serve",
                                    "--scheme",
                                    source_path("schemes/rehearsal.toml"),
                                    "--tokens",
                                    source_path("app/development-tokens.toml"),
                                    "--data",
                                    folder.path("journal"),
                                    "--listen",
                                    listen};
  };
  {
    ChildProcess server(build_path("loket"), serve_on("localhost:0"));
    const auto port = server.wait_listening(hang_timeout);
    INFO(server.log());
    REQUIRE(port);
    CHECK_THAT(server.log(), Catch::Contains("listening on http://127.0.0.1:"));
    Client client(*port);
    const Answer health = client.send(boost::beast::http::verb::get, "/healthz", "");
    CHECK(health.status == 200);
    CHECK(health.json().at("version").as_string() == loket_version);
    server.signal(SIGTERM);
    CHECK(server.wait() == 0);
  }
  for (const auto& [listen, what] : std::vector<std::pair<std::string, std::string>>{
           {"localhost:65536", "the port must be a number from 0 to 65535"},
           {"localhost:-1", "the port must be a number"},
           {"localhost:", "the port must be a number"},
           {"localhost:000000", "the port must be a number"},
           {"localhost", "expected HOST:PORT"},
           {":8080", "expected HOST:PORT"},
           {"[::1]", "expected HOST:PORT"}}) {
    const LoketRun refused = run_loket(serve_on(listen));
    INFO(listen << ": " << refused.output);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Catch::Contains("--listen " + listen + ": " + what));
  }
}

}  // namespace loket::testing
