// The crash loop: `loket serve` is killed with SIGKILL at random moments, again and again, on
// one journal, and after every kill the promises are checked:
//   - `loket audit` re-derives every decision and passes;
//   - every receipt any client ever got is in the record with the same sequence, id,
//     outcome and reason, the sequences are dense from 1, no tranche is over its cap and no
//     participant is granted twice (loadgen/load_checks.hpp, over the auditor's export);
//   - every request that was in flight when the server died, retried after the restart with
//     its Idempotency-Key, gets a receipt: the one recorded before the kill, or a new one,
//     never a second record.
// Some kills land while the server is still starting (recovering the journal), most in the
// middle of a burst of registrations and applications from several connections.
//
//   loket_crash_loop --loket build/dev/loket --kills 200 [--seed N] [--clients 8]
//
// Prints one summary and exits 0 when every kill point was survived with nothing lost, 1 when
// any check failed (the first failures are printed), 2 on bad arguments.
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "loadgen/http_fetch.hpp"
#include "tests/child_process.hpp"
#include "tests/http_client.hpp"
#include "tests/record_check.hpp"

using namespace loket;
using namespace loket::testing;
namespace http = boost::beast::http;

namespace {

// Two tranches, so that both kinds of cap are tested: places, and money in compartments with
// partial grants. The caps are small enough that a long loop fills them.
constexpr std::string_view scheme_text = R"(
[scheme]
id = "crash-loop"
name = "Crash loop"
unique_participant = "scheme"
[[tranche]]
id = "places"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 4000
ranking = "arrival"
[[tranche]]
id = "money"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
budget_cents = 20000000000
ranking = "arrival"
fit = "partial"
spillover = "at_close"
[[tranche.compartment]]
id = "small"
share_percent = 20
min_cents = 30000000
max_cents = 100000000
[[tranche.compartment]]
id = "large"
share_percent = 80
min_cents = 100000000
max_cents = 500000000
)";
constexpr std::array<std::string_view, 2> tranche_ids = {"places", "money"};

constexpr std::chrono::milliseconds start_timeout{30'000};
constexpr std::chrono::milliseconds audit_timeout{120'000};
constexpr std::size_t participants_pool = 6000;  // some registrations are duplicates
constexpr std::size_t receipts_per_burst_max = 400;
constexpr int start_up_kill_percent = 10;
constexpr std::chrono::milliseconds start_up_kill_window{40};
constexpr std::size_t failures_shown_max = 10;

struct Request {
  std::size_t tranche = 0;  // index into tranche_ids
  std::string id;           // also its Idempotency-Key
  std::string body;
};

struct Tally {
  std::size_t kill_points = 0;
  std::size_t killed_starting = 0;
  std::size_t survived = 0;
  std::size_t retried = 0;
  std::size_t retried_recorded_before = 0;
  std::size_t audits_passed = 0;
  std::size_t receipts_checked = 0;
  std::uint64_t records = 0;
};

class CrashLoop {
 public:
  CrashLoop(std::string loket, std::string folder, std::uint64_t seed, std::size_t clients)
      : loket_(std::move(loket)), folder_(std::move(folder)), random_(seed), clients_(clients) {
    std::filesystem::create_directories(folder_);
    scheme_path_ = folder_ + "/crash-loop.toml";
    std::FILE* file = std::fopen(scheme_path_.c_str(), "w");
    if (file == nullptr) throw std::runtime_error("cannot write " + scheme_path_);
    std::fwrite(scheme_text.data(), 1, scheme_text.size(), file);
    std::fclose(file);
  }

  // One kill point: start, check what the last kill left, work, kill, audit. False once a
  // check failed (failures() says which).
  bool kill_once(std::size_t iteration) {
    ChildProcess server(loket_, serve_arguments());
    tally_.kill_points += 1;
    // Not the first: the journal must exist before an audit can pass.
    if (iteration > 0 &&
        std::uniform_int_distribution<int>(1, 100)(random_) <= start_up_kill_percent) {
      // While the journal is being opened and replayed, or just after.
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<long>(
          0, std::chrono::microseconds(start_up_kill_window).count())(random_)));
      tally_.killed_starting += 1;
    } else {
      const std::optional<unsigned short> port = server.wait_listening(start_timeout);
      if (!port) return fail(iteration, "the server did not start: " + server.log());
      if (!retry_unanswered(*port, iteration) || !check_record(*port, iteration)) return false;
      burst(*port, iteration, server);
    }
    server.signal(SIGKILL);
    const int status = server.wait();
    if (!WIFSIGNALED(status) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      return fail(iteration, "the server ended on its own: " + server.log());
    }
    if (!audit(iteration)) return false;
    tally_.survived += 1;
    return true;
  }

  // After the last kill: one more start, and the same checks.
  bool final_check() {
    ChildProcess server(loket_, serve_arguments());
    const std::optional<unsigned short> port = server.wait_listening(start_timeout);
    if (!port) return fail(tally_.kill_points, "the server did not start: " + server.log());
    return retry_unanswered(*port, tally_.kill_points) && check_record(*port, tally_.kill_points);
  }

  const Tally& tally() const { return tally_; }
  const std::vector<std::string>& failures() const { return failures_; }

 private:
  std::vector<std::string> serve_arguments() const {
    return {"serve",    "--scheme",    scheme_path_, "--data",    folder_ + "/journal",
            "--listen", "127.0.0.1:0", "--tokens",   tokens_path_};
  }

  bool fail(std::size_t iteration, std::string what) {
    if (failures_.size() < failures_shown_max) {
      failures_.push_back(fmt::format("kill point {}: {}", iteration + 1, what.substr(0, 2000)));
    }
    return false;
  }

  Request make_request(std::size_t client, std::size_t iteration, std::size_t index,
                       std::mt19937_64& random) const {
    Request request;
    request.tranche = random() % 2;
    request.id = fmt::format("K{}-{}-{}", iteration, client, index);
    const std::string participant = fmt::format("p{}", random() % participants_pool);
    if (request.tranche == 0) {
      request.body = fmt::format(R"({{"id":"{}","participant":"{}"}})", request.id, participant);
    } else {
      const std::uint64_t amount_cents = 30'000'000 + random() % 470'000'000;
      request.body = fmt::format(R"({{"id":"{}","participant":"{}","amount_cents":{}}})",
                                 request.id, participant, amount_cents);
    }
    return request;
  }

  // Sends one request and files the answer. A 201, or a 422 with a receipt, is a promise;
  // anything else is a failure, but for no answer at all, which `unanswered` keeps.
  bool exchange(Client& client, const Request& request, std::size_t iteration) {
    const Answer answer = client.send(
        http::verb::post, fmt::format("/v1/tranches/{}/submissions", tranche_ids[request.tranche]),
        "dev-portal-token", request.body, "application/json", request.id);
    const std::lock_guard lock(mutex_);
    if (answer.status != 201 && answer.status != 422) {
      return fail(iteration, fmt::format("{} got {}: {}", request.id, answer.status, answer.body));
    }
    const std::optional<LoadReceipt> receipt = receipt_of(answer.body);
    if (!receipt) return fail(iteration, "an answer without a receipt: " + answer.body);
    receipts_[request.tranche].receipts.push_back(*receipt);
    return true;
  }

  void burst(unsigned short port, std::size_t iteration, ChildProcess& server) {
    const std::size_t kill_after =
        std::uniform_int_distribution<std::size_t>(1, receipts_per_burst_max)(random_);
    std::atomic<std::size_t> answered{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (std::size_t client = 0; client < clients_; ++client) {
      threads.emplace_back([&, client, seed = random_()] {
        std::mt19937_64 random(seed);
        try {
          Client connection(port);
          for (std::size_t index = 0; !stop.load(); ++index) {
            Request request = make_request(client, iteration, index, random);
            {
              const std::lock_guard lock(mutex_);
              in_flight_[client] = request;
            }
            if (!exchange(connection, request, iteration)) stop = true;
            const std::lock_guard lock(mutex_);
            in_flight_.erase(client);
            answered.fetch_add(1);
          }
        } catch (const std::exception&) {
          // The server is gone: what was not answered was not promised.
        }
      });
    }
    while (answered.load() < kill_after && !stop.load() && server.running()) {
      std::this_thread::yield();
    }
    server.signal(SIGKILL);
    stop = true;
    for (std::thread& thread : threads) thread.join();
    for (auto& [client, request] : in_flight_) unanswered_.push_back(std::move(request));
    in_flight_.clear();
  }

  // The requests the last kill left unanswered, sent again with their keys: each must get a
  // receipt, and it is checked against the record with the others.
  bool retry_unanswered(unsigned short port, std::size_t iteration) {
    if (unanswered_.empty()) return true;
    Client client(port);
    const std::uint64_t before = durable_sequence(port);
    for (const Request& request : unanswered_) {
      if (!exchange(client, request, iteration)) return false;
      tally_.retried += 1;
      const std::uint64_t sequence = receipts_[request.tranche].receipts.back().sequence;
      tally_.retried_recorded_before += sequence <= before ? 1 : 0;
    }
    unanswered_.clear();
    return true;
  }

  std::uint64_t durable_sequence(unsigned short port) const {
    const Result<Fetched> tranche = fetch({"127.0.0.1", port, false, nullptr}, "GET",
                                          "/v1/tranches/places", "dev-auditor-token");
    if (!tranche.ok() || tranche->status != 200) return 0;
    return boost::json::parse(tranche->body).as_object().at("as_of_seq").to_number<std::uint64_t>();
  }

  bool check_record(unsigned short port, std::size_t iteration) {
    const RecordCheck check = check_server_record(port, {receipts_.begin(), receipts_.end()});
    for (const std::string& failure : check.failures) fail(iteration, failure);
    tally_.records = check.records;
    tally_.receipts_checked += check.receipts_checked;
    return check.failures.empty();
  }

  bool audit(std::size_t iteration) {
    ChildProcess audit(loket_, {"audit", "--data", folder_ + "/journal"});
    const int status = audit.wait();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      return fail(iteration, "loket audit failed: " + audit.log());
    }
    tally_.audits_passed += 1;
    return true;
  }

  const std::string loket_;
  const std::string folder_;
  const std::string tokens_path_ = LOKET_SOURCE_DIR "/app/development-tokens.toml";
  std::string scheme_path_;
  std::mt19937_64 random_;
  const std::size_t clients_;
  std::mutex mutex_;  // the clients' bookkeeping
  std::array<TrancheReceipts, tranche_ids.size()> receipts_{
      {{std::string(tranche_ids[0]), {}}, {std::string(tranche_ids[1]), {}}}};
  std::map<std::size_t, Request> in_flight_;  // by client
  std::vector<Request> unanswered_;
  std::vector<std::string> failures_;
  Tally tally_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"loket crash loop: SIGKILL the server at random moments, check nothing is lost"};
  std::string loket = LOKET_BINARY;
  std::size_t kills = 200;
  std::uint64_t seed = std::random_device{}();
  std::size_t clients = 8;
  std::string folder;
  app.add_option("--loket", loket, "The loket executable")->capture_default_str();
  app.add_option("--kills", kills, "Kill points")
      ->capture_default_str()
      ->check(CLI::Range(1, 100'000));
  app.add_option("--seed", seed, "Seed of the kill points and requests (default: random)");
  app.add_option("--clients", clients, "Connections sending at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--folder", folder,
                 "Work folder (default: a new one under /tmp, removed on a pass)");
  CLI11_PARSE(app, argc, argv);
  const bool own_folder = folder.empty();
  if (own_folder) {
    folder = (std::filesystem::temp_directory_path() / fmt::format("loket-crash-loop-{}", seed))
                 .string();
    std::filesystem::remove_all(folder);
  }
  if (std::filesystem::exists(folder + "/journal")) {
    fmt::print(stderr, "loket_crash_loop: {}/journal exists; give a new --folder\n", folder);
    return 2;
  }

  const auto started = std::chrono::steady_clock::now();
  CrashLoop loop(loket, folder, seed, clients);
  bool passed = true;
  for (std::size_t iteration = 0; iteration < kills && passed; ++iteration) {
    passed = loop.kill_once(iteration);
  }
  passed = passed && loop.final_check();
  const Tally& tally = loop.tally();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(
      "crash loop (seed {}): {} of {} kill points survived with nothing lost ({} during start-up, "
      "{} mid-burst) in {:.1f} s\n"
      "  receipts checked {} (every receipt again after each later kill), journal records {}, "
      "audits passed {}\n"
      "  requests in flight at a kill, retried with their Idempotency-Key: {} ({} had been "
      "recorded before the kill, {} recorded on the retry)\n",
      seed, tally.survived, tally.kill_points, tally.killed_starting,
      tally.kill_points - tally.killed_starting, seconds, tally.receipts_checked, tally.records,
      tally.audits_passed, tally.retried, tally.retried_recorded_before,
      tally.retried - tally.retried_recorded_before);
  for (const std::string& failure : loop.failures()) fmt::print("FAILED: {}\n", failure);
  fmt::print("{}\n", passed ? "PASS" : "FAIL");
  if (passed && own_folder) std::filesystem::remove_all(folder);
  return passed ? 0 : 1;
}
