// Storage faults under a real, running server (tests/fault_serve.cpp: `loket serve` on a
// fault-injecting file system): while clients keep registering, its disk fails syncs, fails
// writes and fills up, one after the other. Each time the server must stop acknowledging
// (503, one log line, /readyz 503) rather than acknowledge what is not durable, and go on by
// itself once the disk writes again. Last, it is killed while its disk fails, restarted as
// the plain `loket serve`, and every receipt any client got must be in the record. And the
// real thing: the real server's disk (a tmpfs of its own) fills up, then gets room again.
#include <fmt/format.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <atomic>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tests/child_process.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"
#include "tests/record_check.hpp"

using namespace loket;
using namespace loket::testing;
namespace http = boost::beast::http;

namespace {

// Deadlines that only bound a hang: every wait below is for something that must happen, and
// a busy machine under a sanitizer may take long to get there.
constexpr std::chrono::milliseconds start_timeout{120'000};
constexpr std::chrono::milliseconds change_timeout{120'000};

std::vector<std::string> serve_arguments(const TempFolder& folder) {
  return {"--scheme", source_path("schemes/rehearsal.toml"),
          "--data",   folder.path("journal"),
          "--listen", "127.0.0.1:0",
          "--tokens", source_path("app/development-tokens.toml")};
}

struct Request {
  std::string id;  // also its Idempotency-Key
  std::string body;
};

// Clients that register all along, each on its own connection, and file every answer.
class Traffic {
 public:
  static constexpr int clients = 4;
  static constexpr std::size_t clients_retrying = 16;

  explicit Traffic(unsigned short port) {
    for (int client = 0; client < clients; ++client) {
      threads_.emplace_back([this, port, client] { run(port, client); });
    }
  }
  ~Traffic() { stop(); }

  void stop() {
    stopping_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  // Between set_failing(true) and set_failing(false) the disk is known to fail: a request
  // sent and answered entirely within that time must not be acknowledged. (One sent then but
  // answered after it may be: the test clears the fault right after set_failing(false), and
  // the server, reopening its journal meanwhile, rightly takes what it had queued.)
  void set_failing(bool failing) {
    REQUIRE(failing == (failing_epoch_.load() % 2 == 0));
    failing_epoch_.fetch_add(1);  // odd while failing
  }

  std::size_t receipts() const {
    const std::lock_guard lock(mutex_);
    return receipts_.size();
  }
  std::size_t refused_journal_unavailable() const { return refused_journal_.load(); }
  bool wait_for(std::size_t receipts_count, std::size_t refused_count) const {
    const auto deadline = std::chrono::steady_clock::now() + change_timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (receipts() >= receipts_count && refused_journal_unavailable() >= refused_count)
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // Sends every refused or unanswered request again with its key, to a healthy server:
  // each must now get a receipt (the one recorded, or recorded now).
  void retry_all(unsigned short port) {
    std::vector<Request> retries;
    {
      const std::lock_guard lock(mutex_);
      retries.swap(unsettled_);
    }
    // On several connections, so that the retries share syncs.
    std::vector<std::thread> threads;
    for (std::size_t first = 0; first < clients_retrying; ++first) {
      threads.emplace_back([&, first] {
        Client client(port);
        for (std::size_t index = first; index < retries.size(); index += clients_retrying) {
          file(send(client, retries[index]), retries[index], false);
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    retried_ += retries.size();
  }
  std::size_t retried() const { return retried_; }

  std::vector<LoadReceipt> all_receipts() const {
    const std::lock_guard lock(mutex_);
    return receipts_;
  }
  std::vector<std::string> failures() const {
    const std::lock_guard lock(mutex_);
    return failures_;
  }
  std::size_t acknowledged_while_failing() const { return acknowledged_while_failing_.load(); }

  // What the clients saw, for a failure message.
  std::string seen() const {
    const std::lock_guard lock(mutex_);
    std::string text = fmt::format(
        "clients saw {} receipts, {} refusals journal-unavailable, {} acknowledged while the "
        "disk failed, {} unexpected answers, {} reconnections",
        receipts_.size(), refused_journal_.load(), acknowledged_while_failing_.load(),
        failures_.size(), reconnections_.load());
    for (std::size_t index = 0; index < failures_.size() && index < 5; ++index) {
      text += "\n  " + failures_[index];
    }
    return text;
  }

 private:
  static Answer send(Client& client, const Request& request) {
    return client.send(http::verb::post, "/v1/tranches/t2/submissions", "dev-portal-token",
                       request.body, "application/json", request.id);
  }

  void run(unsigned short port, int client) {
    std::unique_ptr<Client> connection;
    for (int index = 0; !stopping_.load(); ++index) {
      const std::string id = fmt::format("F{}-{}", client, index);
      const Request request{id, fmt::format(R"({{"id":"{}","participant":"p-{}"}})", id, id)};
      try {
        if (!connection) connection = std::make_unique<Client>(port);
      } catch (const std::exception&) {
        return;  // nothing listens: the server was killed
      }
      const std::uint64_t epoch_sent = failing_epoch_.load();
      try {
        const Answer answer = send(*connection, request);
        file(answer, request, epoch_sent % 2 == 1 && failing_epoch_.load() == epoch_sent);
      } catch (const std::exception&) {
        // No answer: the server was killed, or dropped the connection. The request may or
        // may not be on record; it is sent again, with its key, after the end.
        const std::lock_guard lock(mutex_);
        unsettled_.push_back(request);
        connection.reset();
        reconnections_.fetch_add(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  void file(const Answer& answer, const Request& request, bool while_failing) {
    const std::lock_guard lock(mutex_);
    if (answer.status == 503 && answer.problem_type() == "journal-unavailable") {
      refused_journal_.fetch_add(1);
      unsettled_.push_back(request);
      return;
    }
    const std::optional<LoadReceipt> receipt = receipt_of(answer.body);
    if ((answer.status != 201 && answer.status != 422) || !receipt) {
      failures_.push_back(fmt::format("{}: {} {}", request.id, answer.status, answer.body));
      return;
    }
    if (while_failing) acknowledged_while_failing_.fetch_add(1);
    receipts_.push_back(*receipt);
  }

  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> failing_epoch_{0};
  std::atomic<std::size_t> reconnections_{0};
  std::atomic<std::size_t> refused_journal_{0};
  std::atomic<std::size_t> acknowledged_while_failing_{0};
  mutable std::mutex mutex_;  // test bookkeeping
  std::vector<LoadReceipt> receipts_;
  std::vector<Request> unsettled_;
  std::size_t retried_ = 0;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

}  // namespace

TEST_CASE(
    "A real server whose disk fails acknowledges nothing it has not synced, goes on once the "
    "disk writes again, and loses nothing when killed meanwhile",
    "[process]") {
  TempFolder folder("disk-faults");
  ChildProcess server(build_path("tests/loket_fault_serve"), serve_arguments(folder));
  const std::optional<unsigned short> port = server.wait_listening(start_timeout);
  INFO(server.log());
  REQUIRE(port);
  Traffic traffic(*port);
  // On failure: what the clients saw and how the server's log ends.
  const auto seen = [&](std::string_view waiting_for) {
    const std::string log = server.log();
    return fmt::format("waited in vain for {}; {}\nthe server's log ends:\n{}", waiting_for,
                       traffic.seen(),
                       log.substr(log.size() - std::min<std::size_t>(log.size(), 3000)));
  };
  int commands_sent = 0;
  // Sends a fault command and waits until the server says this very command is in force.
  const auto command = [&](const std::string& text) {
    server.send_line(text);
    const std::string confirmed = fmt::format("faults: {} (command {})", text, ++commands_sent);
    if (!server.wait_for_log(confirmed, change_timeout)) FAIL(seen(confirmed));
  };
  const auto wait_for = [&](std::size_t receipts, std::size_t refusals, std::string_view what) {
    if (!traffic.wait_for(receipts, refusals)) FAIL(seen(what));
  };
  const auto readyz = [&](unsigned status) {
    if (!readyz_becomes(*port, status, change_timeout)) {
      FAIL(seen(fmt::format("/readyz {}", status)));
    }
  };
  std::size_t faults_survived = 0;
  for (const std::string fault : {"fail-sync", "fail-write", "disk-full"}) {
    INFO(fault);
    wait_for(traffic.receipts() + 200, 0, "200 more receipts before the fault");
    command(fault);
    readyz(503);
    traffic.set_failing(true);
    // Every request is refused while the disk fails; none is acknowledged.
    wait_for(0, traffic.refused_journal_unavailable() + 50, "50 more refusals");
    traffic.set_failing(false);
    command("clear");
    readyz(200);
    CHECK(server.running());  // the same process goes on
    ++faults_survived;
  }
  CHECK(faults_survived == 3);
  wait_for(traffic.receipts() + 200, 0, "200 more receipts after the faults");
  const std::string log = server.log();
  CHECK(log.find("loket serve: the journal cannot write (journal write failed: IO error: "
                 "injected: sync failed)") != std::string::npos);
  CHECK(log.find("injected: write failed") != std::string::npos);
  CHECK(log.find("injected: disk full") != std::string::npos);
  std::size_t reopened = 0;
  for (std::size_t at = log.find("the journal writes again"); at != std::string::npos;
       at = log.find("the journal writes again", at + 1)) {
    ++reopened;
  }
  CHECK(reopened == 3);

  // Killed while the disk fails; restarted as the plain server on a healthy disk.
  command("fail-sync");
  readyz(503);
  server.signal(SIGKILL);
  CHECK(WIFSIGNALED(server.wait()));
  traffic.stop();
  INFO(traffic.seen());
  CHECK(traffic.acknowledged_while_failing() == 0);
  CHECK(traffic.failures().empty());
  ChildProcess restarted(build_path("loket"), [&] {
    std::vector<std::string> arguments = serve_arguments(folder);
    arguments.insert(arguments.begin(), "serve");
    return arguments;
  }());
  const std::optional<unsigned short> restarted_port = restarted.wait_listening(start_timeout);
  INFO(restarted.log());
  REQUIRE(restarted_port);
  traffic.retry_all(*restarted_port);
  CHECK(traffic.retried() >= 3 * 50);  // the refused ones, and those the kill cut off
  CHECK(traffic.failures().empty());
  const std::vector<LoadReceipt> receipts = traffic.all_receipts();
  const RecordCheck check = check_server_record(*restarted_port, {{"t2", receipts}});
  for (const std::string& failure : check.failures) FAIL_CHECK(failure);
  CHECK(check.receipts_checked == receipts.size());
  CHECK(check.records >= receipts.size());
  fmt::print(
      "storage faults: {} faults cleared in the same process (failed sync, failed write, full "
      "disk), then a kill during a fourth; {} requests refused journal-unavailable, {} "
      "acknowledged while failing; {} retried after the restart; {} receipts all on record "
      "({} records)\n",
      faults_survived, traffic.refused_journal_unavailable(), traffic.acknowledged_while_failing(),
      traffic.retried(), check.receipts_checked, check.records);
  restarted.signal(SIGTERM);
  CHECK(restarted.wait() == 0);
  ChildProcess audit(build_path("loket"), {"audit", "--data", folder.path("journal")});
  INFO(audit.log());
  CHECK(audit.wait() == 0);
}

TEST_CASE("On a real full disk the real server stops acknowledging, and goes on once there is room",
          "[process]") {
  TempFolder folder("disk-full");
  const std::string disk = folder.path("disk");
  std::filesystem::create_directories(disk);
  // A small tmpfs of its own: a real ENOSPC from the kernel, not an injected one.
  if (::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=48m") != 0) {
    WARN(
        fmt::format("cannot mount a tmpfs here ({}): this test did not run", std::strerror(errno)));
    return;
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk};
  std::vector<std::string> arguments = serve_arguments(folder);
  arguments.insert(arguments.begin(), "serve");
  arguments[4] = disk + "/journal";  // --data
  ChildProcess server(build_path("loket"), arguments);
  const std::optional<unsigned short> port = server.wait_listening(start_timeout);
  INFO(server.log());
  REQUIRE(port);
  Traffic traffic(*port);
  REQUIRE(traffic.wait_for(200, 0));

  // Fill the disk to the last byte.
  const std::string filler = disk + "/filler";
  {
    std::FILE* file = std::fopen(filler.c_str(), "wb");
    REQUIRE(file != nullptr);
    const std::string megabyte(1 << 20, 'x');
    while (std::fwrite(megabyte.data(), 1, megabyte.size(), file) == megabyte.size()) {
    }
    std::fclose(file);  // the last, partial buffer fails here; the disk is full either way
  }
  REQUIRE(readyz_becomes(*port, 503, change_timeout));
  traffic.set_failing(true);
  REQUIRE(traffic.wait_for(0, 50));
  CHECK(server.wait_for_log("the journal cannot write", change_timeout));
  CHECK(server.log().find("No space left on device") != std::string::npos);
  traffic.set_failing(false);
  std::filesystem::remove(filler);
  CHECK(readyz_becomes(*port, 200, change_timeout));
  REQUIRE(traffic.wait_for(traffic.receipts() + 200, 0));
  CHECK(server.running());  // the same process, no restart
  traffic.stop();
  traffic.retry_all(*port);
  CHECK(traffic.acknowledged_while_failing() == 0);
  CHECK(traffic.failures().empty());
  const std::vector<LoadReceipt> receipts = traffic.all_receipts();
  const RecordCheck check = check_server_record(*port, {{"t2", receipts}});
  for (const std::string& failure : check.failures) FAIL_CHECK(failure);
  CHECK(check.receipts_checked == receipts.size());
  fmt::print(
      "real full disk: {} requests refused journal-unavailable while full, {} acknowledged; "
      "{} retried; {} receipts all on record ({} records)\n",
      traffic.refused_journal_unavailable(), traffic.acknowledged_while_failing(),
      traffic.retried(), check.receipts_checked, check.records);
  server.signal(SIGTERM);
  CHECK(server.wait() == 0);
  ChildProcess audit(build_path("loket"), {"audit", "--data", disk + "/journal"});
  INFO(audit.log());
  CHECK(audit.wait() == 0);
}
