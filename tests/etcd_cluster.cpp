#include "tests/etcd_cluster.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "loadgen/http_fetch.hpp"

namespace loket::testing {
namespace {

constexpr std::chrono::seconds healthy_timeout{20};
constexpr std::chrono::milliseconds health_poll_interval{50};
// A member that loses the race for a free port to another process exits at once; the whole
// cluster is then started again on new ports.
constexpr int start_attempts = 3;

// Ports the kernel has just handed out as free, all distinct (their sockets are held open
// until every one is chosen).
std::vector<unsigned short> free_loopback_ports(std::size_t count) {
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::acceptor> acceptors;
  std::vector<unsigned short> ports;
  for (std::size_t index = 0; index < count; ++index) {
    acceptors.emplace_back(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    ports.push_back(acceptors.back().local_endpoint().port());
  }
  return ports;
}

std::filesystem::path make_temporary_folder() {
  std::string pattern = (std::filesystem::temp_directory_path() / "loket-etcd-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot make a temporary folder for etcd");
  }
  return pattern;
}

bool member_healthy(const std::string& client_url) {
  const std::optional<HttpTarget> target = parse_target(client_url);
  if (!target) return false;
  const Result<Fetched> health = fetch(*target, "GET", "/health", "");
  return health.ok() && health->status == 200 &&
         health->body.find("\"health\":\"true\"") != std::string::npos;
}

}  // namespace

std::optional<std::string> find_etcd_program() {
  const char* path = std::getenv("PATH");
  std::string_view folders = path != nullptr ? path : "/usr/bin:/bin";
  while (!folders.empty()) {
    const std::size_t colon = folders.find(':');
    const std::filesystem::path candidate =
        std::filesystem::path(folders.substr(0, colon)) / "etcd";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    folders = colon == std::string_view::npos ? std::string_view{} : folders.substr(colon + 1);
  }
  return std::nullopt;
}

EtcdCluster::EtcdCluster(std::size_t members) : folder_(make_temporary_folder()) {
  const std::optional<std::string> program = find_etcd_program();
  if (!program) {
    std::filesystem::remove_all(folder_);
    throw std::runtime_error("etcd is not installed");
  }
  for (int attempt = 1; attempt <= start_attempts; ++attempt) {
    start(*program, members);
    if (wait_healthy()) return;
    const std::string failed_logs = logs();
    stop_all();
    if (attempt == start_attempts) {
      std::filesystem::remove_all(folder_);
      throw std::runtime_error("etcd did not become healthy:\n" + failed_logs);
    }
  }
}

EtcdCluster::~EtcdCluster() {
  stop_all();
  std::error_code ignored;
  std::filesystem::remove_all(folder_, ignored);
}

void EtcdCluster::start(const std::string& program, std::size_t members) {
  const std::vector<unsigned short> ports = free_loopback_ports(2 * members);
  std::string initial_cluster;
  for (std::size_t member = 0; member < members; ++member) {
    initial_cluster += fmt::format("{}m{}=http://127.0.0.1:{}", member == 0 ? "" : ",", member,
                                   ports[2 * member + 1]);
  }
  const std::string token = fmt::format("loket-test-{}", ::getpid());
  client_urls_.clear();
  for (std::size_t member = 0; member < members; ++member) {
    const std::string client_url = fmt::format("http://127.0.0.1:{}", ports[2 * member]);
    const std::string peer_url = fmt::format("http://127.0.0.1:{}", ports[2 * member + 1]);
    const std::filesystem::path data = folder_ / fmt::format("m{}", member);
    std::filesystem::remove_all(data);  // a failed attempt's
    client_urls_.push_back(client_url);
    members_.push_back(std::make_unique<ChildProcess>(
        program, std::vector<std::string>{"--name",
                                          fmt::format("m{}", member),
                                          "--data-dir",
                                          data.string(),
                                          "--listen-client-urls",
                                          client_url,
                                          "--advertise-client-urls",
                                          client_url,
                                          "--listen-peer-urls",
                                          peer_url,
                                          "--initial-advertise-peer-urls",
                                          peer_url,
                                          "--initial-cluster",
                                          initial_cluster,
                                          "--initial-cluster-token",
                                          token,
                                          "--initial-cluster-state",
                                          "new",
                                          "--heartbeat-interval",
                                          "50",
                                          "--election-timeout",
                                          "500",
                                          "--logger",
                                          "zap",
                                          "--log-level",
                                          "warn"}));
  }
}

bool EtcdCluster::wait_healthy() const {
  const auto deadline = std::chrono::steady_clock::now() + healthy_timeout;
  std::size_t healthy = 0;
  while (healthy < members_.size() && std::chrono::steady_clock::now() < deadline) {
    if (!members_[healthy]->running()) return false;
    if (member_healthy(client_urls_[healthy])) {
      ++healthy;
    } else {
      std::this_thread::sleep_for(health_poll_interval);
    }
  }
  return healthy == members_.size();
}

void EtcdCluster::stop_all() {
  members_.clear();  // each ChildProcess SIGKILLs and reaps its member
}

void EtcdCluster::kill_member(std::size_t member) {
  members_.at(member)->signal(SIGKILL);
  members_.at(member)->wait();
}

bool EtcdCluster::running(std::size_t member) const {
  return members_.at(member)->running();
}

std::string EtcdCluster::logs() const {
  std::string text;
  for (std::size_t member = 0; member < members_.size(); ++member) {
    text += fmt::format("--- etcd member m{} ---\n{}\n", member, members_[member]->log());
  }
  return text;
}

}  // namespace loket::testing
