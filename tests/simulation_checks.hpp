// What the simulation asserts while a workload runs, independently of the engine's own
// bookkeeping: dense sequences, no cap exceeded except by appeals, no participant held twice,
// the same appeal counted once, every application decided after the last close. A broken
// promise throws SimulationFailure with the first thing that differs.
#pragma once

#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/allocator.hpp"
#include "tests/scenario.hpp"

namespace loket::testing {

struct SimulationFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where two texts first differ, by line: "line 17: expected ... / got ...".
std::string first_difference(std::string_view expected, std::string_view got);
// Throws unless equal, naming `what` and the first difference.
void require_same(std::string_view what, std::string_view expected, std::string_view got);

// Everything an outsider can ask the allocator, as text: its sequence, every tranche's
// status and every application's state. Two allocators in the same state give the same text.
std::string state_text(const Allocator& allocator, std::span<const std::string> application_ids);

class Invariants {
 public:
  explicit Invariants(const Scenario& scenario);

  // After the allocator accepted `command` under `sequence` and decided `decisions`.
  void accepted(const Command& command, std::span<const Decision> decisions,
                const Allocator& allocator);
  // After it refused `command`: nothing may have changed.
  void refused(const Command& command, Refusal refusal, const Allocator& allocator,
               std::size_t applications_before);
  // After the last event (every tranche closed): the end state.
  void finished(const Allocator& allocator) const;

  const std::vector<std::string>& application_ids() const { return ids_in_order_; }

 private:
  struct Tracked {
    std::uint8_t tranche = 0;
    std::optional<ParticipantKey> participant;
    Outcome outcome = Outcome::rejected;
    std::int64_t granted_cents = 0;
    bool appealed = false;  // held outside R4 from then on (as test_properties.cpp)
  };
  void decided(const Decision& decision, std::vector<std::string>& touched_holders);
  void hold(const Tracked& tracked, int change, std::vector<std::string>& touched_holders);
  void appealed(const AppealCommand& appeal, std::span<const Decision> decisions);
  void check_pools(const Allocator& allocator, std::size_t tranche) const;

  const Scenario& scenario_;
  Sequence last_sequence_ = 0;
  std::unordered_map<std::string, Tracked> applications_;
  std::vector<std::string> ids_in_order_;
  std::unordered_map<std::string, int> holders_;        // participant in scope -> applications held
  std::map<std::string, std::int64_t> appeal_granted_;  // tranche/id/reference -> cents
  std::vector<std::int64_t> appeal_units_;              // per tranche: granted on appeal
  std::vector<std::int64_t> carried_units_;             // per tranche: carried in minus out (R11)
};

}  // namespace loket::testing
