// The etcd client's pieces without etcd (unit tier): base64, prefixes, endpoint URLs, the
// checks and sizes of requests, the gateway's JSON both ways, and the options.
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <string>

#include "cluster/etcd_client.hpp"
#include "cluster/etcd_json.hpp"
#include "cluster/etcd_limits.hpp"
#include "cluster/http_connection.hpp"
#include "parse/base64.hpp"

namespace loket {
namespace {

namespace json = boost::json;

std::string every_byte() {
  std::string bytes;
  for (int value = 0; value < 256; ++value) bytes.push_back(static_cast<char>(value));
  return bytes;
}

// A put whose size, as etcd counts it, is exactly `request_bytes`.
EtcdPut put_of_size(std::size_t request_bytes) {
  EtcdPut put{"k", {}, 0};
  put.value.assign(request_bytes - etcd_request_bytes(put), 'v');
  return put;
}

TEST_CASE("base64 follows RFC 4648 and round-trips every byte at every length", "[etcd]") {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (const auto& [raw, encoded] : vectors) {
    CHECK(base64_encode(raw) == encoded);
    CHECK(base64_decode(encoded) == std::string(raw));
  }
  const std::string bytes = every_byte();
  for (std::size_t length = 0; length <= bytes.size(); ++length) {
    const std::string raw = bytes.substr(bytes.size() - length);
    const std::string encoded = base64_encode(raw);
    CHECK(encoded.size() == base64_encoded_bytes(length));
    CHECK(base64_decode(encoded) == raw);
  }
}

TEST_CASE("base64 refuses what no encoder writes", "[etcd]") {
  for (const std::string_view text :
       {"Zg=", "Zh==", "Zm9=", "Z===", "====", "Zm9v!A==", "=Zm9", "Zm=v", "Zm9v\n", "Zg==Zg=="}) {
    CAPTURE(text);
    CHECK_FALSE(base64_decode(text).has_value());
  }
}

TEST_CASE("A prefix's range ends after its last key, and an all-0xff prefix at the end", "[etcd]") {
  CHECK(etcd_prefix_end("log/") == "log0");
  CHECK(etcd_prefix_end("a\xff") == "b");
  CHECK(etcd_prefix_end("a\xfe\xff\xff") == "a\xff");
  CHECK(etcd_prefix_end("\xff\xff") == std::string(1, '\0'));
  const EtcdRange range = EtcdRange::prefix("log/", 5);
  CHECK(range.key == "log/");
  CHECK(range.range_end == "log0");
  CHECK(range.limit == 5);
}

TEST_CASE("An etcd endpoint is http://HOST:PORT, and anything else is named", "[etcd]") {
  const Result<EtcdEndpoint> plain = parse_etcd_endpoint("http://127.0.0.1:2379/");
  REQUIRE(plain.ok());
  CHECK(plain->url == "http://127.0.0.1:2379");
  CHECK(plain->host == "127.0.0.1");
  CHECK(plain->port == 2379);
  const Result<EtcdEndpoint> v6 = parse_etcd_endpoint("http://[::1]:65535");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 65535);
  CHECK(parse_etcd_endpoint("http://etcd-1.example:2379").ok());

  const std::pair<std::string_view, std::string_view> refused[] = {
      {"https://127.0.0.1:2379", "https is not supported"},
      {"127.0.0.1:2379", "expected http://HOST:PORT"},
      {"http://127.0.0.1", "no port"},
      {"http://:2379", "no host"},
      {"http://h:0", "1 to 65535"},
      {"http://h:65536", "1 to 65535"},
      {"http://h:23x", "1 to 65535"},
      {"http://h:2379/v3", "1 to 65535"},
      {"http://[::1:2379", "without its ']'"},
      {"http://::1:2379", "in brackets"},
      {"http://user@h:2379", "a malformed host"}};
  for (const auto& [url, why] : refused) {
    CAPTURE(url);
    const Result<EtcdEndpoint> endpoint = parse_etcd_endpoint(url);
    REQUIRE_FALSE(endpoint.ok());
    CHECK(endpoint.status().code() == StatusCode::invalid_argument);
    CHECK_THAT(endpoint.status().message(),
               Catch::Contains(std::string(url)) && Catch::Contains(std::string(why)));
  }
}

TEST_CASE("A request at the size limit is encoded, one byte over it is refused", "[etcd]") {
  const std::size_t limit = etcd_limits::server_request_bytes_max;
  for (const std::size_t size : {limit - 1, limit}) {
    const Result<std::string> body = etcd_json::put_request(put_of_size(size), limit);
    REQUIRE(body.ok());
    CHECK(body->size() <= etcd_limits::request_body_bytes_max(size, 1));
    CHECK(body->size() > size);  // base64 costs wire bytes above the limit etcd counts
  }
  const Result<std::string> over = etcd_json::put_request(put_of_size(limit + 1), limit);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == StatusCode::invalid_argument);
  CHECK_THAT(over.status().message(),
             Catch::Contains(std::to_string(limit + 1)) && Catch::Contains("nothing was sent"));

  EtcdTxn txn;
  txn.compares.push_back(EtcdCompare::mod_revision_is("tail", EtcdCompareOp::equal, 7));
  txn.success.push_back(put_of_size(limit / 2));
  txn.success.push_back(EtcdPut{"tail", "x", 0});
  const std::size_t txn_bytes = etcd_request_bytes(txn);
  CHECK(etcd_json::txn_request(txn, txn_bytes).ok());
  CHECK(etcd_json::txn_request(txn, txn_bytes - 1).status().code() == StatusCode::invalid_argument);
}

TEST_CASE("etcd's limits on a transaction and its fields are checked before sending", "[etcd]") {
  const std::size_t limit = etcd_limits::server_request_bytes_max;
  EtcdTxn txn;
  for (std::size_t index = 0; index < etcd_limits::txn_ops_max; ++index) {
    txn.success.push_back(EtcdPut{"k" + std::to_string(index), "v", 0});
  }
  CHECK(etcd_json::txn_request(txn, limit).ok());
  txn.success.push_back(EtcdPut{"one-more", "v", 0});
  const Result<std::string> too_many = etcd_json::txn_request(txn, limit);
  REQUIRE_FALSE(too_many.ok());
  CHECK_THAT(too_many.status().message(), Catch::Contains("129") && Catch::Contains("128"));

  CHECK(etcd_json::put_request(EtcdPut{"", "v", 0}, limit).status().message() ==
        "a put: an empty key");
  CHECK(etcd_json::range_request(EtcdRange{"k", {}, -1, 0}, limit).status().code() ==
        StatusCode::invalid_argument);
  CHECK(etcd_json::range_request(EtcdRange{"k", {}, 0, -1}, limit).status().code() ==
        StatusCode::invalid_argument);
  EtcdTxn empty_compare_key;
  empty_compare_key.compares.push_back(EtcdCompare::version_is("", EtcdCompareOp::equal, 0));
  CHECK(etcd_json::txn_request(empty_compare_key, limit).status().code() ==
        StatusCode::invalid_argument);
  CHECK(etcd_json::lease_grant_request(0).status().code() == StatusCode::invalid_argument);
  CHECK(etcd_json::lease_grant_request(1).ok());
  CHECK(etcd_json::lease_grant_request(etcd_limits::lease_ttl_seconds_max).ok());
  CHECK(etcd_json::lease_grant_request(etcd_limits::lease_ttl_seconds_max + 1).status().code() ==
        StatusCode::invalid_argument);
  CHECK(etcd_json::lease_id_request(0).status().code() == StatusCode::invalid_argument);
  CHECK(etcd_json::compaction_request(0).status().code() == StatusCode::invalid_argument);
}

TEST_CASE("A transaction is the gateway's JSON: base64 bytes, decimal-string int64, enum names",
          "[etcd]") {
  EtcdTxn txn;
  txn.compares.push_back(EtcdCompare::mod_revision_is("tail", EtcdCompareOp::equal, 7));
  txn.compares.push_back(EtcdCompare::value_is("v", EtcdCompareOp::not_equal, "x"));
  txn.success.push_back(EtcdPut{"log/1", std::string("\0\xff", 2), 42});
  txn.failure.push_back(EtcdRange::prefix("log/", 3));
  txn.failure.push_back(EtcdDelete{"gone", {}});
  const Result<std::string> body =
      etcd_json::txn_request(txn, etcd_limits::server_request_bytes_max);
  REQUIRE(body.ok());
  CHECK(json::parse(*body) == json::parse(R"({
    "compare": [{"key": "dGFpbA==", "target": "MOD", "result": "EQUAL", "mod_revision": "7"},
                {"key": "dg==", "target": "VALUE", "result": "NOT_EQUAL", "value": "eA=="}],
    "success": [{"request_put": {"key": "bG9nLzE=", "value": "AP8=", "lease": "42"}}],
    "failure": [{"request_range": {"key": "bG9nLw==", "range_end": "bG9nMA==", "limit": "3"}},
                {"request_delete_range": {"key": "Z29uZQ=="}}]})"));
}

}  // namespace
}  // namespace loket
