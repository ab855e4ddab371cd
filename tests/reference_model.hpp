// The reference allocator's state and steps (reference_allocator.hpp). Everything is
// recomputed from the list of applications when asked: slow, and hard to get subtly wrong.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/scenario.hpp"

namespace loket::testing {

struct ReferenceApplication {
  std::string id;
  std::size_t tranche = 0;
  std::string participant;
  std::int64_t amount = 0;  // 1 for a place
  std::size_t compartment = 0;
  std::int64_t granted = 0;  // 1 for a granted place
  std::string outcome;
  std::uint64_t sequence = 0;  // of the submission: breaks lottery ties
  std::uint64_t rank = 0;      // order of assessment (R8), 0 until assessed
};

struct ReferenceTranche {
  std::vector<std::int64_t> moved;    // R7 transfers in minus out, per compartment
  std::vector<std::int64_t> carried;  // R11 carry-overs in minus out, per compartment
  std::vector<bool> blocked;          // `block`: a waiting application holds up arrivals
  bool closed = false;
};

struct ReferenceModel {
  const Scenario& scenario;
  std::vector<ReferenceApplication> applications;
  std::vector<ReferenceTranche> tranches;
  std::vector<std::string>* out = nullptr;
  std::uint64_t sequence = 0;
  std::uint64_t ranks_given = 0;

  explicit ReferenceModel(const Scenario& rules);

  std::size_t compartment_count(std::size_t t) const { return tranches[t].moved.size(); }
  std::int64_t budget(std::size_t t, std::size_t c) const;
  std::int64_t remaining(std::size_t t, std::size_t c) const;
  bool waiting(const ReferenceApplication& application) const;
  bool has_unmet(std::size_t t, std::size_t c) const;
  // Indexes of the applications of (t, c) assessed so far, in rank order.
  std::vector<std::size_t> in_rank_order(std::size_t t, std::size_t c) const;
  void emit(const ReferenceApplication& application, const std::string& reason = "");
  void assess(ReferenceApplication& application);

  void submit(const std::string& text_id, const std::string& tranche_id,
              const std::string& participant, std::int64_t amount);
  // False when the close is refused: a tranche that carries into this one is still open.
  bool close(std::size_t t, const std::string& seed_hex);

  // reference_allocator_close.cpp
  void draw(std::size_t t, const std::string& seed_hex);
  void serve_unmet(std::size_t t, std::size_t c);
  void spill_over(std::size_t t);
  void exhaust(std::size_t t);
  void carry_over(std::size_t t);
  void receive(std::size_t t, std::int64_t amount);
};

// What the fit rule gives an application that needs `need` from `left`.
std::int64_t reference_give(const std::string& fit, std::int64_t need, std::int64_t left,
                            bool& blocked);

}  // namespace loket::testing
