#include "core/accepted.hpp"

#include <variant>

#include "engine/assert.hpp"

namespace loket {
namespace {

std::string_view tranche_of(const Command& command) {
  return std::visit(
      [](const auto& typed) -> std::string_view {
        if constexpr (requires { typed.tranche_id; }) return typed.tranche_id;
        return {};
      },
      command);
}

std::span<const std::uint8_t> seed_of(const Command& command) {
  if (const auto* close = std::get_if<CloseCommand>(&command)) return close->seed;
  if (const auto* close_day = std::get_if<CloseDayCommand>(&command)) return close_day->seed;
  return {};
}

}  // namespace

std::shared_ptr<const Accepted> Accepted::make(std::uint64_t sequence, TimestampNs timestamp,
                                               const Sha256Digest& record_hash,
                                               const Command& command,
                                               std::span<const Decision> decisions,
                                               std::uint64_t first_leaf_index) {
  std::shared_ptr<Accepted> accepted(new Accepted());
  accepted->sequence = sequence;
  accepted->timestamp = timestamp;
  accepted->record_hash = record_hash;
  accepted->first_leaf_index = first_leaf_index;
  accepted->submission = std::holds_alternative<SubmitCommand>(command);
  accepted->tranche_id = tranche_of(command);
  const std::span<const std::uint8_t> seed = seed_of(command);
  accepted->seed.assign(seed.begin(), seed.end());
  std::size_t id_bytes = 0;
  for (const Decision& decision : decisions) id_bytes += decision.application_id.size();
  // Reserved once, so that no append moves the bytes the views point into.
  accepted->ids_.reserve(id_bytes);
  accepted->decisions.assign(decisions.begin(), decisions.end());
  for (Decision& decision : accepted->decisions) {
    const std::size_t offset = accepted->ids_.size();
    accepted->ids_ += decision.application_id;
    decision.application_id =
        std::string_view(accepted->ids_).substr(offset, decision.application_id.size());
  }
  LOKET_ASSERT(accepted->ids_.size() == id_bytes);
  return accepted;
}

}  // namespace loket
