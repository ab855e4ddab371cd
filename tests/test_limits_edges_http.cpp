// Every limit at its edge, HTTP envelope: the real `loket serve` takes a body, a header block,
// an Idempotency-Key and a bearer token of exactly their limit, and refuses one byte more
// with its specific problem. Requests are written as bytes, so that every length is exact.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "engine/crypto.hpp"
#include "net/limits.hpp"
#include "tests/child_process.hpp"
#include "tests/http_client.hpp"
#include "tests/journal_fixture.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

constexpr std::string_view places_scheme = R"(
[scheme]
id = "edges"
name = "Edges"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2100-01-01T00:00:00Z"
places = 1000
ranking = "arrival"
)";

// A submission as bytes: its header block (request line to the empty line) is padded with an
// X-Pad header to `header_bytes` when that is given.
std::string submission(std::string_view body, std::string_view extra, std::string_view token,
                       std::size_t header_bytes) {
  std::string head = fmt::format(
      "POST /v1/tranches/t/submissions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
      "{}\r\nContent-Type: application/json\r\n{}Content-Length: {}\r\n",
      token, extra, body.size());
  if (header_bytes > 0) {
    const std::string_view pad_name = "X-Pad: ";
    const std::size_t fixed = head.size() + pad_name.size() + 2 + 2;  // its CRLF, the blank line
    REQUIRE(header_bytes >= fixed);
    head += fmt::format("{}{}\r\n", pad_name, std::string(header_bytes - fixed, 'p'));
  }
  return head + "\r\n" + std::string(body);
}

// A valid body for participant `number`, padded with spaces (JSON allows them) to `bytes`.
std::string body_of(std::size_t number, std::size_t bytes = 0) {
  std::string body = fmt::format(R"({{"participant":"edge-{}"}})", number);
  if (bytes > body.size()) body.append(bytes - body.size(), ' ');
  return body;
}

// A token file with a portal token of each length: registered, so that only the length
// decides.
std::string token_file(std::initializer_list<std::size_t> lengths) {
  std::string text;
  for (const std::size_t length : lengths) {
    const std::string token(length, 't');
    text += fmt::format(
        "[[token]]\nname = \"portal-{}\"\nrole = \"portal\"\nsha256 = \"{}\"\n", length,
        to_hex(sha256({reinterpret_cast<const std::uint8_t*>(token.data()), token.size()})));
  }
  return text;
}

// The real server on a new journal, with portal tokens of 8, 255, 256 and 257 bytes; each
// request on a connection of its own (a refused one may close it), from a new participant.
class EdgeServer {
 public:
  EdgeServer()
      : folder_("limits-http"),
        server_(build_path("loket"),
                {"serve", "--scheme", folder_.write("edges.toml", places_scheme), "--data",
                 folder_.path("journal"), "--listen", "127.0.0.1:0", "--tokens",
                 folder_.write("tokens.toml",
                               token_file({8, token_max - 1, token_max, token_max + 1}))}) {
    port_ = server_.wait_listening(std::chrono::seconds(20));
    INFO(server_.log());
    REQUIRE(port_);
  }

  // "status problem-type" of a submission with these headers, padded to `header_bytes`.
  std::string submit(std::string_view extra_headers = "", std::string_view token = "tttttttt",
                     std::size_t body_bytes = 0, std::size_t header_bytes = 0) {
    Client client(*port_);
    const std::optional<Answer> got = client.send_raw(
        submission(body_of(++number_, body_bytes), extra_headers, token, header_bytes));
    REQUIRE(got);
    return fmt::format("{} {}", got->status, got->problem_type());
  }

  static constexpr std::size_t token_max = net_limits::token_bytes_max;

 private:
  TempFolder folder_;
  ChildProcess server_;
  std::optional<unsigned short> port_;
  std::size_t number_ = 0;
};

const std::string created = "201 ";

}  // namespace

TEST_CASE("Edges: the HTTP envelope's limits on the real server", "[process]") {
  EdgeServer server;
  const std::size_t body_max = net_limits::body_bytes_max;
  CHECK(server.submit("", "tttttttt", body_max - 1) == created);
  CHECK(server.submit("", "tttttttt", body_max) == created);
  CHECK(server.submit("", "tttttttt", body_max + 1) == "413 body-too-large");

  const std::size_t key_max = net_limits::idempotency_key_bytes_max;
  const auto keyed = [&](std::string_view key) {
    return server.submit(fmt::format("Idempotency-Key: {}\r\n", key));
  };
  CHECK(keyed("k") == created);
  CHECK(keyed(std::string(key_max - 1, 'a')) == created);
  CHECK(keyed(std::string(key_max, 'b')) == created);
  CHECK(keyed(std::string(key_max + 1, 'c')) == "400 invalid-idempotency-key");
  CHECK(keyed("caf\xC3\xA9") == "400 invalid-idempotency-key");
  CHECK(keyed("\x7f") == "400 bad-request");  // not even HTTP: the parser refuses it

  const std::size_t token_max = EdgeServer::token_max;
  CHECK(server.submit("", std::string(token_max - 1, 't')) == created);
  CHECK(server.submit("", std::string(token_max, 't')) == created);
  CHECK(server.submit("", std::string(token_max + 1, 't')) == "401 unauthorized");
  CHECK(server.submit("", std::string(token_max, 'u')) == "401 unauthorized");

  const std::size_t header_max = net_limits::header_bytes_max;
  CHECK(server.submit("", "tttttttt", 0, header_max - 1) == created);
  CHECK(server.submit("", "tttttttt", 0, header_max) == created);
  CHECK(server.submit("", "tttttttt", 0, 2 * header_max) == "431 headers-too-large");
}

// The header limit once was not enforced at its byte: header lines that arrived complete in
// the server's first read were not counted, so blocks of up to about 12 KiB were accepted.
TEST_CASE("Edges: a header block one byte over the limit is refused", "[process]") {
  EdgeServer server;
  const std::size_t header_max = net_limits::header_bytes_max;
  CHECK(server.submit("", "tttttttt", 0, header_max) == created);
  CHECK(server.submit("", "tttttttt", 0, header_max + 1) == "431 headers-too-large");
}
