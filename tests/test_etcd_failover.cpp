// The etcd client when members fail (process tier): a real three-member cluster losing the
// member the client talks to (its leader), and stand-in members that answer what etcd never
// would or drop a request half-way, for the outcomes real etcd cannot be made to produce on
// cue. Skipped, with a warning, only where etcd is not installed.
#include <fmt/format.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "cluster/etcd_client.hpp"
#include "tests/etcd_cluster.hpp"

namespace loket {
namespace {

namespace asio = boost::asio;
using testing::EtcdCluster;

// A log in etcd as the replicated journal will keep one: entry N under log/N, the tail key
// holding N, each append a transaction fenced on the tail's revision. A write whose outcome is
// unknown is settled by reading the tail.
class FencedLog {
 public:
  explicit FencedLog(EtcdClient& client) : client_(client) {
    const Result<EtcdPutResult> started = client_.put({"tail", "0", 0});
    REQUIRE(started.ok());
    tail_revision_ = started->header.revision;
  }

  // Whether entry tail+1 was appended (and acknowledged) by this call.
  bool append() {
    const std::int64_t next = tail_ + 1;
    EtcdTxn txn;
    txn.compares.push_back(
        EtcdCompare::mod_revision_is("tail", EtcdCompareOp::equal, tail_revision_));
    txn.success = {EtcdPut{key_of(next), fmt::format("entry {}", next), 0},
                   EtcdPut{"tail", std::to_string(next), 0}};
    const Result<EtcdTxnResult> result = client_.txn(txn);
    if (result.ok() && result->succeeded) {
      tail_ = next;
      tail_revision_ = result->header.revision;
      acknowledged_.push_back(next);
      return true;
    }
    if (!result.ok()) CHECK(result.status().code() == StatusCode::unavailable);
    settle();
    return false;
  }

  // Reads the tail after a failed or unknown append; an election may still be under way.
  void settle() {
    const Result<EtcdRangeResult> tail = client_.range(EtcdRange::single("tail"));
    if (!tail.ok() || tail->kvs.empty()) return;
    tail_ = std::stoll(tail->kvs[0].value);
    tail_revision_ = tail->kvs[0].mod_revision;
  }

  static std::string key_of(std::int64_t entry) { return fmt::format("log/{:08}", entry); }
  std::int64_t tail() const { return tail_; }
  const std::vector<std::int64_t>& acknowledged() const { return acknowledged_; }

 private:
  EtcdClient& client_;
  std::int64_t tail_ = 0;
  std::int64_t tail_revision_ = 0;
  std::vector<std::int64_t> acknowledged_;
};

std::size_t leader_index(EtcdCluster& cluster) {
  Result<EtcdClient> client = EtcdClient::create({cluster.client_urls()});
  REQUIRE(client.ok());
  for (std::size_t index = 0; index < cluster.size(); ++index) {
    const Result<EtcdMemberStatus> status = client->member_status(index);
    if (status.ok() && status->leads()) return index;
  }
  FAIL("no member leads:\n" << cluster.logs());
  return 0;
}

TEST_CASE("etcd: three members keep committing when the leader the client talks to is killed",
          "[process][etcd]") {
  if (!testing::find_etcd_program()) {
    WARN("etcd is not installed (scripts/install-deps.sh installs etcd-server): skipped");
    return;
  }
  EtcdCluster cluster(3);
  const std::size_t leader = leader_index(cluster);
  std::vector<std::string> endpoints{cluster.client_url(leader)};
  for (std::size_t index = 0; index < cluster.size(); ++index) {
    if (index != leader) endpoints.push_back(cluster.client_url(index));
  }
  EtcdClientOptions options{endpoints};
  options.request_timeout_ms = 1000;
  Result<EtcdClient> client = EtcdClient::create(options);
  REQUIRE(client.ok());
  const std::uint64_t old_leader_id = client->status()->leader;
  FencedLog log(*client);
  for (int entry = 0; entry < 20; ++entry) REQUIRE(log.append());

  cluster.kill_member(leader);
  const auto killed_at = std::chrono::steady_clock::now();
  std::chrono::milliseconds first_commit_after{-1};
  std::size_t appended_after = 0;
  while (appended_after < 20 &&
         std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(20)) {
    if (!log.append()) continue;
    if (appended_after++ == 0) {
      first_commit_after = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - killed_at);
    }
  }
  INFO(cluster.logs());
  INFO(fmt::format("first commit {} ms after the leader was killed", first_commit_after.count()));
  REQUIRE(appended_after == 20);
  CHECK(client->current_endpoint() != cluster.client_url(leader));
  const Result<EtcdMemberStatus> status = client->status();
  REQUIRE(status.ok());
  CHECK(status->leader != 0);
  CHECK(status->leader != old_leader_id);

  // Every acknowledged entry is there, and the log has no gap up to its tail.
  const Result<EtcdRangeResult> entries = client->range(EtcdRange::prefix("log/"));
  REQUIRE(entries.ok());
  REQUIRE(entries->kvs.size() == static_cast<std::size_t>(log.tail()));
  for (std::size_t index = 0; index < entries->kvs.size(); ++index) {
    CHECK(entries->kvs[index].key == FencedLog::key_of(static_cast<std::int64_t>(index) + 1));
  }
  for (const std::int64_t entry : log.acknowledged()) {
    CHECK(entries->kvs.at(static_cast<std::size_t>(entry) - 1).value ==
          fmt::format("entry {}", entry));
  }
}

// A stand-in member on a loopback port: reads each request and answers it with the next of
// its canned answers, the raw bytes of an HTTP response; an empty one closes the connection
// instead, after the request was read.
class StandInMember {
 public:
  explicit StandInMember(std::vector<std::string> answers)
      : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        answers_(std::move(answers)),
        thread_([this] { serve(); }) {}
  ~StandInMember() {
    stopping_ = true;
    asio::ip::tcp::socket wake(io_);
    boost::system::error_code ignored;
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  std::string url() const {
    return fmt::format("http://127.0.0.1:{}", acceptor_.local_endpoint().port());
  }
  int requests() const { return requests_; }

 private:
  void serve() {
    for (const std::string& answer : answers_) {
      asio::ip::tcp::socket socket(io_);
      boost::system::error_code error;
      acceptor_.accept(socket, error);
      if (stopping_ || error) return;
      boost::beast::flat_buffer buffer;
      boost::beast::http::request<boost::beast::http::string_body> request;
      boost::beast::http::read(socket, buffer, request, error);
      if (error) return;
      ++requests_;
      if (!answer.empty()) asio::write(socket, asio::buffer(answer), error);
    }
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::vector<std::string> answers_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

std::string http_answer(std::string_view body, std::string_view status = "200 OK") {
  return fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, body.size(), body);
}

TEST_CASE("etcd client: a malformed answer is corruption and is not taken to another member",
          "[process][etcd]") {
  StandInMember garbled({http_answer(R"({"kvs":[{"key":"Zm9v","value":"!!"}]})"),
                         http_answer("not json"),
                         http_answer("404 page not found", "404 Not Found")});
  StandInMember unused({});
  Result<EtcdClient> client = EtcdClient::create({{garbled.url(), unused.url()}});
  REQUIRE(client.ok());
  for (int round = 0; round < 3; ++round) {
    const Result<EtcdRangeResult> range = client->range(EtcdRange::single("foo"));
    CHECK(range.status().code() == StatusCode::corruption);
    CHECK_THAT(range.status().message(), Catch::Contains(garbled.url()));
  }
  CHECK(garbled.requests() == 3);
  CHECK(unused.requests() == 0);

  StandInMember large({http_answer(std::string(5000, ' ') + "{}")});
  EtcdClientOptions small{{large.url()}};
  small.response_bytes_max = 4096;
  Result<EtcdClient> bounded = EtcdClient::create(small);
  REQUIRE(bounded.ok());
  const Result<EtcdMemberStatus> status = bounded->status();
  CHECK(status.status().code() == StatusCode::io_error);
  CHECK_THAT(status.status().message(), Catch::Contains("larger than 4096 bytes"));
}

TEST_CASE(
    "etcd client: a read goes on to the next member after a dropped request, a write "
    "reports that its outcome is unknown",
    "[process][etcd]") {
  const std::string range_answer = http_answer(R"({"header":{"revision":"9"},"count":"0"})");
  StandInMember dropping({"", ""});
  StandInMember answering({range_answer, range_answer});
  Result<EtcdClient> client = EtcdClient::create({{dropping.url(), answering.url()}});
  REQUIRE(client.ok());
  const Result<EtcdRangeResult> read = client->range(EtcdRange::single("k"));
  REQUIRE(read.ok());
  CHECK(read->header.revision == 9);
  CHECK(client->current_endpoint() == answering.url());  // and it stays there

  Result<EtcdClient> writer = EtcdClient::create({{dropping.url(), answering.url()}});
  REQUIRE(writer.ok());
  const Result<EtcdPutResult> put = writer->put({"k", "v", 0});
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == StatusCode::unavailable);
  CHECK_THAT(put.status().message(), Catch::Contains(dropping.url()) &&
                                         Catch::Contains("may or may not have been applied"));
  CHECK(dropping.requests() == 2);
  CHECK(answering.requests() == 1);                      // the write was not sent again
  CHECK(writer->current_endpoint() == answering.url());  // the next call starts there
}

TEST_CASE("etcd client: a write refused for want of a leader goes on to the next member",
          "[process][etcd]") {
  StandInMember leaderless({http_answer(
      R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})",
      "503 Service Unavailable")});
  StandInMember leading({http_answer(R"({"header":{"revision":"4"}})")});
  Result<EtcdClient> client = EtcdClient::create({{leaderless.url(), leading.url()}});
  REQUIRE(client.ok());
  const Result<EtcdPutResult> put = client->put({"k", "v", 0});
  REQUIRE(put.ok());
  CHECK(put->header.revision == 4);
  CHECK(leaderless.requests() == 1);
  CHECK(leading.requests() == 1);
}

TEST_CASE("etcd: a member cut off from its quorum refuses at once, not after a timeout",
          "[process][etcd]") {
  if (!testing::find_etcd_program()) {
    WARN("etcd is not installed (scripts/install-deps.sh installs etcd-server): skipped");
    return;
  }
  EtcdCluster cluster(3);
  EtcdClientOptions options{cluster.client_urls()};
  options.request_timeout_ms = 5000;
  Result<EtcdClient> client = EtcdClient::create(options);
  REQUIRE(client.ok());
  REQUIRE(client->put({"k", "before", 0}).ok());
  cluster.kill_member(1);
  cluster.kill_member(2);
  // The survivor notices within an election timeout or two that it has no leader (its status
  // is its own view, answered without the quorum).
  const auto killed_at = std::chrono::steady_clock::now();
  // One call per look: the member may stop answering between two.
  for (Result<EtcdMemberStatus> seen = client->member_status(0);
       seen.ok() && seen->leader != 0 &&
       std::chrono::steady_clock::now() - killed_at < std::chrono::seconds(10);
       seen = client->member_status(0)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto started = std::chrono::steady_clock::now();
  const Result<EtcdPutResult> put = client->put({"k", "after", 0});
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(cluster.logs());
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == StatusCode::unavailable);
  CHECK_THAT(put.status().message(), Catch::Contains("no etcd member answered") &&
                                         Catch::Contains("etcdserver: no leader"));
  CHECK(took < std::chrono::milliseconds(options.request_timeout_ms / 2));
}

}  // namespace
}  // namespace loket
