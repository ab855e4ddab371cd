// R8's committed lottery seed in the engine: the hash chain, the commit_seed event and its
// refusals, the check that every draw reveals the committed secret, and the event's formats
// (journal record, JSON lines). The server's side is in test_lottery_seed_server.cpp.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "engine/civil_time.hpp"
#include "engine/limits.hpp"
#include "engine/lottery.hpp"
#include "storage/record.hpp"
#include "tests/harness.hpp"
#include "tests/seed_server.hpp"

using namespace loket;
using namespace loket::testing;

namespace {

const std::vector<std::uint8_t> key_bytes = {'k', 'e', 'y'};
Sha256Digest filled(std::uint8_t byte) {
  Sha256Digest digest{};
  digest.fill(byte);
  return digest;
}

const Sha256Digest journal_nonce = filled(0x4e);

Sha256Digest root_of(std::string_view tranche) {
  return lottery_root_secret(key_bytes, genesis_hash(seed_scheme), journal_nonce, tranche);
}

std::string commit_event(std::string_view tranche, std::uint32_t draws,
                         std::string_view at = "2020-12-01T07:00:00Z") {
  const Sha256Digest commitment = lottery_commitment(root_of(tranche), draws);
  return fmt::format(R"({{"type":"commit_seed","received_at":"{}","tranche":"{}",)"
                     R"("commitment":"{}","draws":{},"nonce":"{}"}})",
                     at, tranche, to_hex(commitment), draws, to_hex(journal_nonce));
}

std::string seed_hex(std::string_view tranche, std::uint32_t draws, std::uint32_t draw,
                     std::string_view beacon_hex = "") {
  return to_hex(lottery_secret(root_of(tranche), draws, draw)) + std::string(beacon_hex);
}

std::string close_event(std::string_view tranche, std::string_view seed_text,
                        std::string_view at = "2020-12-11T09:00:00Z") {
  return fmt::format(R"({{"type":"close","received_at":"{}","tranche":"{}","seed":"{}"}})", at,
                     tranche, seed_text);
}

std::string close_day_event(std::string_view date, std::string_view seed_text,
                            std::string_view at = "2020-12-06T09:00:00Z") {
  return fmt::format(
      R"({{"type":"close_day","received_at":"{}","tranche":"d","date":"{}","seed":"{}"}})", at,
      date, seed_text);
}

}  // namespace

TEST_CASE("A tranche's number of draws and each day's draw index follow its window",
          "[lottery-seed]") {
  const Scheme scheme = scheme_from_toml(seed_scheme);
  const Tranche& window = scheme.tranches[0];
  const Tranche& days = scheme.tranches[1];
  CHECK(lottery_draws(scheme, window) == 1);
  CHECK(lottery_draws(scheme, days) == 5);
  CHECK(lottery_draws(scheme, scheme.tranches[2]) == 0);
  const LocalDate first = *parse_date("2020-12-01");
  CHECK_FALSE(lottery_draw_index(scheme, days, first - 1));
  CHECK(lottery_draw_index(scheme, days, first) == 0u);
  CHECK(lottery_draw_index(scheme, days, first + 3) == 3u);  // the last day
  CHECK_FALSE(lottery_draw_index(scheme, days, first + 4));
  CHECK(lottery_draw_index(scheme, days, std::nullopt) == 4u);  // the close
  CHECK(lottery_draw_index(scheme, window, std::nullopt) == 0u);
  CHECK_FALSE(lottery_draw_index(scheme, window, first));
  CHECK_FALSE(lottery_draw_index(scheme, scheme.tranches[2], std::nullopt));
}

TEST_CASE("Each draw's secret is a preimage of the one before: later ones cannot be derived",
          "[lottery-seed]") {
  const Sha256Digest root = root_of("d");
  const Sha256Digest commitment = lottery_commitment(root, 5);
  for (std::uint32_t draw = 0; draw < 5; ++draw) {
    const Sha256Digest secret = lottery_secret(root, 5, draw);
    CHECK(lottery_seed_reveals(commitment, draw, secret));
    CHECK_FALSE(lottery_seed_reveals(commitment, draw + 1, secret));
    if (draw > 0) CHECK(sha256(secret) == lottery_secret(root, 5, draw - 1));
  }
  CHECK(lottery_secret(root, 5, 4) == root);
  // Another tranche, scheme, nonce or key gives unrelated secrets: above all another journal
  // under the same key and scheme (a rehearsal, then the opening) draws a nonce of its own.
  const Sha256Digest genesis = genesis_hash(seed_scheme);
  CHECK(root_of("w") != root);
  CHECK(lottery_root_secret(key_bytes, genesis_hash("other scheme"), journal_nonce, "d") != root);
  CHECK(lottery_root_secret(std::vector<std::uint8_t>{'k'}, genesis, journal_nonce, "d") != root);
  CHECK(lottery_root_secret(key_bytes, genesis, filled(0x4f), "d") != root);
  // Journals from before nonces keep their own derivation, and it is not the nonce one.
  CHECK(lottery_root_secret(key_bytes, genesis, std::nullopt, "d") != root);
  // The seed is the secret and up to 32 bytes of beacon: 32 to 64 bytes.
  std::vector<std::uint8_t> seed(limits::seed_bytes_max + 1, 0xab);
  const Sha256Digest secret = lottery_secret(root, 5, 2);
  std::copy(secret.begin(), secret.end(), seed.begin());
  CHECK_FALSE(lottery_seed_reveals(commitment, 2, {seed.data(), 31}));
  CHECK(lottery_seed_reveals(commitment, 2, {seed.data(), 32}));
  CHECK(lottery_seed_reveals(commitment, 2, {seed.data(), 64}));
  CHECK_FALSE(lottery_seed_reveals(commitment, 2, {seed.data(), 65}));
  CHECK_FALSE(lottery_seed_reveals(commitment, UINT32_MAX, secret));
}

TEST_CASE("commit_seed is refused unless it is the first word on a lottery tranche",
          "[lottery-seed]") {
  Harness harness(seed_scheme);
  CHECK(harness.refused(commit_event("nope", 1)) == Refusal::unknown_tranche);
  CHECK(harness.refused(commit_event("a", 1)) == Refusal::seed_commitment_invalid);
  CHECK(harness.refused(commit_event("d", 4)) == Refusal::seed_commitment_invalid);
  CHECK(harness.refused(commit_event("d", 6)) == Refusal::seed_commitment_invalid);
  CHECK(harness.refused(commit_event("w", 2)) == Refusal::seed_commitment_invalid);
  CHECK(harness.apply(commit_event("d", 5)).empty());  // decides nothing
  CHECK(harness.refused(commit_event("d", 5)) == Refusal::seed_commitment_invalid);
  harness.apply(place("w", "W-1", "p1", "2020-12-01T09:00:00Z"));
  CHECK(harness.refused(commit_event("w", 1, "2020-12-01T10:00:00Z")) ==
        Refusal::seed_commitment_late);
  const TrancheStatus status = harness.allocator().tranche_status(1);
  REQUIRE(status.seed_commitment);
  CHECK(*status.seed_commitment == lottery_commitment(root_of("d"), 5));
  CHECK(status.seed_draws == 5);
  CHECK_FALSE(harness.allocator().tranche_status(0).seed_commitment);
}

TEST_CASE("A committed tranche draws only with the committed secret of that draw",
          "[lottery-seed]") {
  Harness harness(seed_scheme);
  harness.apply(commit_event("w", 1));
  harness.apply(commit_event("d", 5));
  for (int index = 0; index < 3; ++index) {
    harness.apply(
        place("w", fmt::format("W-{}", index), fmt::format("p{}", index), "2020-12-01T09:00:00Z"));
    harness.apply(
        place("d", fmt::format("D-{}", index), fmt::format("p{}", index), "2020-12-01T09:00:00Z"));
  }
  // Days outside the window have no committed draw; a seed of one's own is refused.
  CHECK(harness.refused(close_day_event("2020-11-30", seed_hex("d", 5, 0))) ==
        Refusal::day_outside_window);
  CHECK(harness.refused(close_day_event("2020-12-05", seed_hex("d", 5, 0))) ==
        Refusal::day_outside_window);
  CHECK(harness.refused(close_day_event("2020-12-01", "abcd")) == Refusal::seed_invalid);
  CHECK(harness.refused(close_day_event("2020-12-01", seed_hex("d", 5, 1))) ==
        Refusal::seed_invalid);  // the next day's secret
  CHECK(harness.refused(close_day_event("2020-12-01", seed_hex("d", 5, 0).substr(2))) ==
        Refusal::seed_invalid);  // 31 bytes
  CHECK(harness.apply(close_day_event("2020-12-01", seed_hex("d", 5, 0))).size() == 3);
  // The last day with a 32-byte beacon (64 bytes in all), then the close.
  const std::string beacon(64, 'e');
  CHECK(harness.apply(close_day_event("2020-12-04", seed_hex("d", 5, 3, beacon))).empty());
  CHECK(harness.refused(close_event("d", seed_hex("d", 5, 3))) == Refusal::seed_invalid);
  CHECK(harness.apply(close_event("d", seed_hex("d", 5, 4))).empty());
  CHECK(harness.refused(close_event("w", seed_hex("d", 1, 0))) == Refusal::seed_invalid);
  CHECK(harness.apply(close_event("w", seed_hex("w", 1, 0))).size() == 3);
}

TEST_CASE("A seed longer than 64 bytes from a journal is refused, not an assertion",
          "[lottery-seed]") {
  Allocator allocator(scheme_from_toml(seed_scheme));
  std::vector<Decision> decisions;
  SubmitCommand submit;
  submit.tranche_id = "w";
  submit.application_id = "W-1";
  submit.participant = ParticipantKey{};
  const TimestampNs at = *parse_rfc3339("2020-12-01T09:00:00Z");
  REQUIRE(allocator.apply(submit, 1, at, decisions) == Refusal::none);
  const std::vector<std::uint8_t> seed(limits::seed_bytes_max + 1, 7);
  CHECK(allocator.apply(CloseCommand{"w", seed}, 2, at, decisions) == Refusal::seed_invalid);
  CHECK(allocator.apply(CloseCommand{"w", {seed.data(), limits::seed_bytes_max}}, 2, at,
                        decisions) == Refusal::none);
}

TEST_CASE("commit_seed survives the journal record and the JSON lines unchanged",
          "[lottery-seed]") {
  // With a nonce, as every new journal writes it, and without, as journals from before nonces
  // hold it: both must read back forever.
  const bool with_nonce = GENERATE(true, false);
  CAPTURE(with_nonce);
  CommitSeedCommand commit{"d", lottery_commitment(root_of("d"), 5), 5, std::nullopt};
  if (with_nonce) commit.nonce = journal_nonce;
  std::string bytes;
  const Sha256Digest head = genesis_hash(seed_scheme);
  encode_record(bytes, 1, 1'606'806'000'000'000'000, commit, "", {}, head);
  JournalRecord record;
  REQUIRE(decode_record({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, record)
              .is_ok());
  const auto* decoded = std::get_if<CommitSeedCommand>(&record.command);
  REQUIRE(decoded);
  CHECK(decoded->tranche_id == "d");
  CHECK(decoded->commitment == commit.commitment);
  CHECK(decoded->draws == 5);
  CHECK(decoded->nonce == commit.nonce);
  CHECK(record.decisions.empty());

  std::string line;
  append_event_json(line, 1, record.received_at, commit, "");
  const std::string nonce_member =
      with_nonce ? fmt::format(R"(,"nonce":"{}")", to_hex(journal_nonce)) : "";
  CHECK(line == fmt::format(R"({{"type":"commit_seed","seq":1,"received_at":"{}","tranche":"d",)"
                            R"("commitment":"{}","draws":5{}}})"
                            "\n",
                            format_rfc3339(record.received_at), to_hex(commit.commitment),
                            nonce_member));
  EventParser parser(key_bytes);
  const Result<ParsedEvent> parsed = parser.parse(line);
  REQUIRE(parsed.ok());
  const auto* read_back = std::get_if<CommitSeedCommand>(&parsed->command);
  REQUIRE(read_back);
  CHECK(read_back->commitment == commit.commitment);
  CHECK(read_back->draws == 5);
  CHECK(read_back->nonce == commit.nonce);
}

TEST_CASE("A commit_seed line with a bad commitment, draws or nonce is refused by field",
          "[lottery-seed]") {
  const std::string at = "2020-12-01T07:00:00Z";
  EventParser parser(key_bytes);
  const auto error_of = [&](std::string_view commitment, std::string_view draws,
                            std::string_view nonce_member = "") {
    return parser
        .parse(fmt::format(R"({{"type":"commit_seed","seq":1,"received_at":"{}","tranche":"d",)"
                           R"("commitment":"{}","draws":{}{}}})",
                           at, commitment, draws, nonce_member))
        .status()
        .message();
  };
  const std::string good = to_hex(lottery_commitment(root_of("d"), 5));
  const std::string draws_error =
      fmt::format("field 'draws': must be an integer from 1 to {}", limits::lottery_draws_max);
  CHECK(error_of(good, "1").empty());
  CHECK(error_of(good, std::to_string(limits::lottery_draws_max)).empty());
  CHECK(error_of(good, "0") == draws_error);
  CHECK(error_of(good, std::to_string(limits::lottery_draws_max + 1)) == draws_error);
  CHECK(error_of(good, "-1") == draws_error);
  CHECK(error_of(good, "\"5\"") == draws_error);
  CHECK(error_of(good.substr(2), "5") == "field 'commitment': must be 32 bytes of hex");
  CHECK(error_of(good + "00", "5") == "field 'commitment': must be 32 bytes of hex");
  CHECK(error_of("zz", "5") == "field 'commitment': must be 32 bytes of hex");
  const std::string nonce_error = "field 'nonce': must be 32 bytes of hex";
  CHECK(error_of(good, "5", fmt::format(R"(,"nonce":"{}")", good)).empty());
  CHECK(error_of(good, "5", fmt::format(R"(,"nonce":"{}")", good.substr(2))) == nonce_error);
  CHECK(error_of(good, "5", fmt::format(R"(,"nonce":"{}00")", good)) == nonce_error);
  CHECK(error_of(good, "5", R"(,"nonce":"")") == nonce_error);
  CHECK(error_of(good, "5", R"(,"nonce":null)") == "field 'nonce': must be a string");
}
