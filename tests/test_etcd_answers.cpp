// The etcd client's reading of answers and its options, without etcd (unit tier): etcd's
// answers as 3.4.23 writes them, its errors by gRPC code, and what is not etcd's.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "cluster/etcd_client.hpp"
#include "cluster/etcd_json.hpp"

namespace loket {
namespace {

namespace json = boost::json;

constexpr std::string_view call = "/v3/kv/range at http://127.0.0.1:1";
constexpr std::string_view header =
    R"("header":{"cluster_id":"324952591200643719","member_id":"3319814642761637952",)"
    R"("revision":"5","raft_term":"2"})";

Result<json::object> answer(std::string_view body, unsigned http_status = 200) {
  return etcd_json::parse_answer(http_status, body, call);
}

Result<EtcdRangeResult> range_of(std::string_view body) {
  const Result<json::object> parsed = answer(body);
  if (!parsed.ok()) return parsed.status();
  return etcd_json::range_answer(*parsed, call);
}

// Two ports on which nothing listens: connecting to them is refused at once.
std::vector<std::string> refusing_endpoints() {
  boost::asio::io_context io;
  std::vector<std::string> urls;
  for (int index = 0; index < 2; ++index) {
    boost::asio::ip::tcp::acceptor acceptor(
        io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    urls.push_back("http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()));
  }
  return urls;  // the acceptors are closed now
}

TEST_CASE("A range answer is read with its bytes decoded and its int64 strings parsed", "[etcd]") {
  const Result<EtcdRangeResult> range = range_of(
      std::string("{") + std::string(header) +
      R"(,"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"3","version":"2",)"
      R"("value":"AP8=","lease":"7"},{"key":"Zm9w","create_revision":"4","mod_revision":"4",)"
      R"("version":"1"}],"more":true,"count":"3"})");
  REQUIRE(range.ok());
  CHECK(range->header.revision == 5);
  CHECK(range->header.member_id == 3319814642761637952U);
  CHECK(range->header.raft_term == 2);
  REQUIRE(range->kvs.size() == 2);
  CHECK(range->kvs[0].key == "foo");
  CHECK(range->kvs[0].value == std::string("\0\xff", 2));
  CHECK(range->kvs[0].create_revision == 2);
  CHECK(range->kvs[0].mod_revision == 3);
  CHECK(range->kvs[0].version == 2);
  CHECK(range->kvs[0].lease == 7);
  CHECK(range->kvs[1].value.empty());  // an empty value is left out
  CHECK(range->more);
  CHECK(range->count == 3);

  const Result<EtcdRangeResult> empty = range_of(std::string("{") + std::string(header) + "}");
  REQUIRE(empty.ok());
  CHECK(empty->kvs.empty());
  CHECK(empty->count == 0);
}

TEST_CASE("An answer that is not what etcd writes is corruption naming the call and field",
          "[etcd]") {
  const std::pair<std::string_view, std::string_view> malformed[] = {
      {R"({"kvs":[{"key":"Zm9v","value":"!!"}]})", "\"value\" is not base64"},
      {R"({"kvs":[{"key":"Zm9v","mod_revision":"3x"}]})", "\"mod_revision\" is not an int64"},
      {R"({"kvs":[{"key":"Zm9v","version":true}]})", "\"version\" is not an int64"},
      {R"({"kvs":{"key":"Zm9v"}})", "\"kvs\" is not an array"},
      {R"({"kvs":["Zm9v"]})", "\"kvs\" holds something that is not an object"},
      {R"({"header":[]})", "\"header\" is not an object"},
      {R"({"more":"yes"})", "\"more\" is not a boolean"},
      {R"({"header":{"member_id":"-1"}})", "\"member_id\" is not a uint64"}};
  for (const auto& [body, why] : malformed) {
    CAPTURE(body);
    const Result<EtcdRangeResult> range = range_of(body);
    REQUIRE_FALSE(range.ok());
    CHECK(range.status().code() == StatusCode::corruption);
    CHECK_THAT(range.status().message(),
               Catch::Contains(std::string(call)) && Catch::Contains(std::string(why)));
  }
  for (const std::string_view body : {"hello", "[1,2]", "{\"kvs\":", ""}) {
    CAPTURE(body);
    CHECK(answer(body).status().code() == StatusCode::corruption);
  }
  const Result<json::object> not_found_page = answer("404 page not found\n", 404);
  CHECK(not_found_page.status().code() == StatusCode::corruption);
  CHECK_THAT(not_found_page.status().message(), Catch::Contains("HTTP 404"));
  CHECK(answer("{}", 503).status().code() == StatusCode::corruption);
}

TEST_CASE("etcd's errors keep its message and map its gRPC code", "[etcd]") {
  const std::tuple<std::string_view, StatusCode, std::string_view> errors[] = {
      {R"({"error":"etcdserver: request is too large","message":"etcdserver: request is too )"
       R"(large","code":3})",
       StatusCode::invalid_argument, "etcdserver: request is too large (INVALID_ARGUMENT)"},
      {R"({"error":"x","message":"etcdserver: requested lease not found","code":5})",
       StatusCode::not_found, "requested lease not found (NOT_FOUND)"},
      {R"({"message":"etcdserver: mvcc: required revision has been compacted","code":11})",
       StatusCode::invalid_argument, "compacted (OUT_OF_RANGE)"},
      {R"({"message":"etcdserver: too many requests","code":8})", StatusCode::busy,
       "RESOURCE_EXHAUSTED"},
      {R"({"message":"etcdserver: request timed out","code":14})", StatusCode::unavailable,
       "timed out (UNAVAILABLE)"},
      {R"({"message":"context deadline exceeded","code":2})", StatusCode::unavailable,
       "context deadline exceeded (UNKNOWN)"},
      {R"({"message":"etcdserver: permission denied","code":7})", StatusCode::io_error,
       "PERMISSION_DENIED"},
      {R"({"message":"odd","code":99})", StatusCode::io_error, "an unknown code"},
      {R"({"error":{"grpc_code":5,"http_code":404,"message":"lease not found"}})",
       StatusCode::not_found, "lease not found"}};
  for (const auto& [body, code, text] : errors) {
    CAPTURE(body);
    const Result<json::object> parsed = answer(body, 400);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == code);
    CHECK_THAT(parsed.status().message(),
               Catch::Contains("etcd refused") && Catch::Contains(std::string(text)));
  }
}

TEST_CASE("Transaction, lease and status answers are read into their types", "[etcd]") {
  const Result<json::object> txn = answer(
      std::string("{") + std::string(header) +
      R"(,"succeeded":true,"responses":[{"response_put":{"header":{"revision":"3"}}},)"
      R"({"response_range":{"header":{"revision":"3"},"kvs":[{"key":"Zm9v","value":"YmF6"}],)"
      R"("count":"1"}},{"response_delete_range":{"header":{"revision":"3"},"deleted":"2"}}]})");
  REQUIRE(txn.ok());
  const Result<EtcdTxnResult> decided = etcd_json::txn_answer(*txn, call);
  REQUIRE(decided.ok());
  CHECK(decided->succeeded);
  REQUIRE(decided->results.size() == 3);
  CHECK(std::get<EtcdPutResult>(decided->results[0]).header.revision == 3);
  CHECK(std::get<EtcdRangeResult>(decided->results[1]).kvs.at(0).value == "baz");
  CHECK(std::get<EtcdDeleteResult>(decided->results[2]).deleted == 2);
  const Result<EtcdTxnResult> failed =
      etcd_json::txn_answer(*answer(std::string("{") + std::string(header) + "}"), call);
  REQUIRE(failed.ok());
  CHECK_FALSE(failed->succeeded);  // etcd leaves false out
  CHECK(etcd_json::txn_answer(*answer(R"({"responses":[{"response_watch":{}}]})"), call)
            .status()
            .code() == StatusCode::corruption);

  const Result<EtcdLease> renewed = etcd_json::lease_keep_alive_answer(
      *answer(R"({"result":{"ID":"2324035764926732814","TTL":"5"}})"), call);
  REQUIRE(renewed.ok());
  CHECK(renewed->id == 2324035764926732814);
  CHECK(renewed->ttl_seconds == 5);
  const Result<EtcdLease> ended =
      etcd_json::lease_keep_alive_answer(*answer(R"({"result":{"ID":"12345"}})"), call);
  CHECK(ended.status().code() == StatusCode::not_found);
  CHECK(etcd_json::lease_grant_answer(*answer(R"({"ID":"9","TTL":"1"})"), call).ok());
  CHECK(etcd_json::lease_grant_answer(*answer(R"({"TTL":"1"})"), call).status().code() ==
        StatusCode::corruption);

  const Result<EtcdMemberStatus> status = etcd_json::status_answer(
      *answer(std::string("{") + std::string(header) +
              R"(,"version":"3.4.23","dbSize":"20480","leader":"3319814642761637952",)"
              R"("raftIndex":"6","raftTerm":"2","raftAppliedIndex":"6","dbSizeInUse":"16384"})"),
      call);
  REQUIRE(status.ok());
  CHECK(status->leader == 3319814642761637952U);
  CHECK(status->raft_index == 6);
  CHECK(status->raft_term == 2);
  CHECK(status->db_size_bytes == 20480);
  CHECK(status->version == "3.4.23");
}

TEST_CASE("Client options are checked when the client is made", "[etcd]") {
  const auto refused = [](EtcdClientOptions options, std::string_view why) {
    const Result<EtcdClient> client = EtcdClient::create(std::move(options));
    REQUIRE_FALSE(client.ok());
    CHECK(client.status().code() == StatusCode::invalid_argument);
    CHECK_THAT(client.status().message(), Catch::Contains(std::string(why)));
  };
  refused({}, "0 etcd endpoints");
  refused({std::vector<std::string>(etcd_limits::endpoints_max + 1, "http://h:1")},
          "17 etcd endpoints");
  refused({{"http://h:1", "http://h:1/"}}, "given twice");
  refused({{"http://h:1", "h:2"}}, "\"h:2\"");
  refused({{"http://h:1"}, 0}, "timeout of 0 ms");
  refused({{"http://h:1"}, 1000, etcd_limits::timeout_ms_max + 1}, "timeout of 600001 ms");
  refused({{"http://h:1"}, 1000, 1000, 112}, "request_bytes_max 112");
  const Result<EtcdClient> fine = EtcdClient::create({{"http://h:1/", "http://[::1]:2"}});
  REQUIRE(fine.ok());
  CHECK(fine->current_endpoint() == "http://h:1");
}

TEST_CASE(
    "When no member can be reached a call is unavailable, naming each, and a request "
    "too large is refused before any is tried",
    "[etcd]") {
  Result<EtcdClient> client = EtcdClient::create({refusing_endpoints()});
  REQUIRE(client.ok());
  const Result<EtcdPutResult> put = client->put({"k", "v", 0});
  REQUIRE_FALSE(put.ok());
  CHECK(put.status().code() == StatusCode::unavailable);
  CHECK_THAT(put.status().message(), Catch::Contains("no etcd member answered /v3/kv/put") &&
                                         Catch::Contains("cannot connect to"));
  CHECK(client->status().status().code() == StatusCode::unavailable);

  EtcdPut too_large{"k", std::string(etcd_limits::server_request_bytes_max, 'v'), 0};
  const Result<EtcdPutResult> refused = client->put(too_large);
  CHECK(refused.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(refused.status().message(), Catch::Contains("nothing was sent"));
}

}  // namespace
}  // namespace loket
