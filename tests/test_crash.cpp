// No acknowledgement without a durable record: the real `loket serve` is killed with SIGKILL
// in the middle of a burst; every receipt a client got must then be in the journal, with the
// same decision, and the journal must verify and replay.
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "storage/recovery.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr int client_threads = 8;
constexpr std::size_t receipts_before_kill = 400;

struct ServerProcess {
  pid_t pid = -1;
  unsigned short port = 0;
};

// Starts `loket serve` on a free loopback port and reads the port from its log.
ServerProcess start_server(const std::string& scheme, const std::string& data) {
  int log_pipe[2];
  REQUIRE(::pipe(log_pipe) == 0);
  const std::string tokens = source_path("app/development-tokens.toml");
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(log_pipe[1], STDERR_FILENO);
    ::close(log_pipe[0]);
    ::execl(LOKET_BINARY, "loket", "serve", "--scheme", scheme.c_str(), "--data", data.c_str(),
            "--listen", "127.0.0.1:0", "--tokens", tokens.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(log_pipe[1]);
  std::string log;
  char buffer[256];
  constexpr std::string_view marker = "listening on http://127.0.0.1:";
  constexpr int log_wait_ms = 20'000;  // a server that never says it listens fails the test
  while (log.find(marker) == std::string::npos ||
         log.find(' ', log.find(marker) + marker.size()) == std::string::npos) {
    pollfd readable{log_pipe[0], POLLIN, 0};
    if (::poll(&readable, 1, log_wait_ms) != 1) break;
    const ssize_t read = ::read(log_pipe[0], buffer, sizeof(buffer));
    if (read <= 0) break;
    log.append(buffer, static_cast<std::size_t>(read));
  }
  ::close(log_pipe[0]);
  const std::size_t at = log.find(marker);
  INFO(log);
  REQUIRE(at != std::string::npos);
  return {pid, static_cast<unsigned short>(std::stoi(log.substr(at + marker.size())))};
}

struct Receipt {
  std::string id;
  std::string outcome;
  std::string reason;
};

}  // namespace

TEST_CASE("Killed with SIGKILL mid-burst, the server loses no acknowledged submission") {
  TempFolder folder("kill");
  const std::string scheme_path = source_path("schemes/rehearsal.toml");
  const ServerProcess server = start_server(scheme_path, folder.path("journal"));

  std::mutex mutex;  // test bookkeeping only
  std::map<std::uint64_t, Receipt> receipts;
  std::vector<std::string> problems;
  std::atomic<std::size_t> acknowledged{0};
  std::vector<std::thread> clients;
  for (int client = 0; client < client_threads; ++client) {
    clients.emplace_back([&, client] {
      try {
        asio::io_context io;
        tcp::socket socket(io);
        socket.connect({asio::ip::make_address("127.0.0.1"), server.port});
        for (int index = 0;; ++index) {
          http::request<http::string_body> request{http::verb::post, "/v1/tranches/t2/submissions",
                                                   11};
          request.set(http::field::host, "127.0.0.1");
          request.set(http::field::authorization, "Bearer dev-portal-token");
          request.set(http::field::content_type, "application/json");
          request.body() = fmt::format(R"({{"id":"K{}-{}","participant":"p-{}-{}"}})", client,
                                       index, client, index % 50);
          request.keep_alive(true);
          request.prepare_payload();
          http::write(socket, request);
          beast::flat_buffer buffer;
          http::response<http::string_body> response;
          http::read(socket, buffer, response);  // throws once the server is gone
          const auto body = boost::json::parse(response.body()).as_object();
          const std::lock_guard lock(mutex);
          if (response.result_int() != 201) {
            problems.push_back(response.body());
            continue;
          }
          receipts[body.at("seq").to_number<std::uint64_t>()] = Receipt{
              std::string(body.at("id").as_string()), std::string(body.at("outcome").as_string()),
              body.at("reason").is_null() ? "" : std::string(body.at("reason").as_string())};
          acknowledged.fetch_add(1);
        }
      } catch (const std::exception&) {
        // The connection died with the server: whatever was not answered was not promised.
      }
    });
  }
  while (acknowledged.load() < receipts_before_kill)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(::kill(server.pid, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(server.pid, &status, 0) == server.pid);
  CHECK(WIFSIGNALED(status));
  for (std::thread& client : clients) client.join();
  CHECK(problems.empty());
  REQUIRE(receipts.size() >= receipts_before_kill);

  // Recovery verifies and replays the journal; every receipt is in it, with its decision.
  const Recovered recovered = recover_journal(folder.path("journal"), read_text(scheme_path));
  INFO(recovered.status.message());
  REQUIRE(recovered.status.is_ok());
  CHECK(recovered.summary.last_sequence >= receipts.rbegin()->first);
  std::map<std::uint64_t, Receipt> journaled;
  const JournalSummary verified =
      verify_records(*recovered.journal, [&](const JournalRecord& record) {
        REQUIRE(record.decisions.size() == 1);
        const Decision& decision = record.decisions.front();
        journaled[record.sequence] =
            Receipt{std::string(decision.application_id), std::string(to_string(decision.outcome)),
                    std::string(to_string(decision.reason))};
        return true;
      });
  CHECK_FALSE(verified.problem);
  std::size_t matched = 0;
  for (const auto& [sequence, receipt] : receipts) {
    const auto found = journaled.find(sequence);
    REQUIRE(found != journaled.end());
    CHECK(found->second.id == receipt.id);
    CHECK(found->second.outcome == receipt.outcome);
    CHECK(found->second.reason == receipt.reason);
    ++matched;
  }
  CHECK(matched == receipts.size());
}
