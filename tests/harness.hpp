// Test harness: runs events, written as JSON without "seq", through the real event parser and
// allocator, and returns the decisions as the JSON lines `loket allocate` would print.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/allocator.hpp"
#include "parse/event_json.hpp"

namespace loket::testing {

Scheme scheme_from_toml(std::string_view toml_text);

class Harness {
 public:
  explicit Harness(std::string_view toml_text, AllocatorOptions options = {});

  // Applies one event (a JSON object without "seq"; the harness numbers it). Returns the
  // decision lines without their newline. A parse error or a refusal fails the test.
  std::vector<std::string> apply(std::string_view event_without_sequence);
  // Applies an event that may be refused: the decision lines, or nothing when refused.
  std::optional<std::vector<std::string>> try_apply(std::string_view event_without_sequence);
  // Applies an event that must be refused; returns the refusal.
  Refusal refused(std::string_view event_without_sequence);

  const Allocator& allocator() const { return allocator_; }

 private:
  Refusal apply_raw(std::string_view event_without_sequence, std::vector<std::string>& lines);

  Allocator allocator_;
  EventParser parser_;
  std::vector<Decision> decisions_;
};

// A submit event for a places tranche at the given time.
std::string place(std::string_view tranche, std::string_view id, std::string_view participant,
                  std::string_view received_at);
// A submit event for a money tranche of a scheme without partnership or co-financing rules.
std::string money(std::string_view tranche, std::string_view id, std::string_view participant,
                  std::int64_t amount_cents, std::string_view received_at);
// The expected decision line.
std::string decided(Sequence sequence, std::string_view id, std::string_view outcome,
                    std::string_view reason = "", std::string_view compartment = "",
                    std::int64_t granted_cents = 0);

}  // namespace loket::testing
