#include "tests/harness.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "parse/scheme_toml.hpp"

namespace loket::testing {

Scheme scheme_from_toml(std::string_view toml_text) {
  Result<Scheme> result = parse_scheme(toml_text, "test.toml");
  INFO(result.status().message());
  REQUIRE(result.ok());
  return std::move(result).value();
}

Harness::Harness(std::string_view toml_text, AllocatorOptions options)
    : allocator_(scheme_from_toml(toml_text), options),
      parser_(std::vector<std::uint8_t>{'t', 'e', 's', 't'}) {}

Refusal Harness::apply_raw(std::string_view event_without_sequence,
                           std::vector<std::string>& lines) {
  REQUIRE(event_without_sequence.front() == '{');
  const Sequence sequence = allocator_.last_sequence() + 1;
  const std::string line =
      fmt::format("{{\"seq\":{},{}", sequence, event_without_sequence.substr(1));
  const Result<ParsedEvent> parsed = parser_.parse(line);
  INFO(line << " -> " << parsed.status().message());
  REQUIRE(parsed.ok());
  const Refusal refusal =
      allocator_.apply(parsed->command, sequence, parsed->received_at, decisions_);
  for (const Decision& decision : decisions_) {
    std::string text;
    append_decision_json(text, allocator_.scheme(), sequence, decision);
    text.pop_back();
    lines.push_back(std::move(text));
  }
  return refusal;
}

std::vector<std::string> Harness::apply(std::string_view event_without_sequence) {
  std::vector<std::string> lines;
  const Refusal refusal = apply_raw(event_without_sequence, lines);
  INFO(event_without_sequence);
  REQUIRE(to_string(refusal) == to_string(Refusal::none));
  return lines;
}

std::optional<std::vector<std::string>> Harness::try_apply(
    std::string_view event_without_sequence) {
  std::vector<std::string> lines;
  if (apply_raw(event_without_sequence, lines) != Refusal::none) return std::nullopt;
  return lines;
}

Refusal Harness::refused(std::string_view event_without_sequence) {
  std::vector<std::string> lines;
  const Sequence before = allocator_.last_sequence();
  const Refusal refusal = apply_raw(event_without_sequence, lines);
  REQUIRE(refusal != Refusal::none);
  REQUIRE(lines.empty());
  REQUIRE(allocator_.last_sequence() == before);
  return refusal;
}

std::string place(std::string_view tranche, std::string_view id, std::string_view participant,
                  std::string_view received_at) {
  return fmt::format(
      R"({{"type":"submit","received_at":"{}","tranche":"{}","id":"{}","participant":"{}"}})",
      received_at, tranche, id, participant);
}

std::string money(std::string_view tranche, std::string_view id, std::string_view participant,
                  std::int64_t amount_cents, std::string_view received_at) {
  return fmt::format(
      R"({{"type":"submit","received_at":"{}","tranche":"{}","id":"{}","participant":"{}","amount_cents":{}}})",
      received_at, tranche, id, participant, amount_cents);
}

std::string decided(Sequence sequence, std::string_view id, std::string_view outcome,
                    std::string_view reason, std::string_view compartment,
                    std::int64_t granted_cents) {
  const auto quoted = [](std::string_view text) {
    return text.empty() ? std::string("null") : fmt::format("\"{}\"", text);
  };
  std::string field;
  if (reason.starts_with("invalid:")) {
    field = fmt::format(",\"field\":\"{}\"", reason.substr(8));
    reason = "invalid";
  }
  return fmt::format(
      R"({{"seq":{},"id":{},"outcome":"{}","reason":{}{},"compartment":{},"granted_cents":{}}})",
      sequence, quoted(id), outcome, quoted(reason), field, quoted(compartment), granted_cents);
}

}  // namespace loket::testing
