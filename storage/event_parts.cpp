#include "storage/event_parts.hpp"

#include <fmt/format.h>

#include "engine/assert.hpp"
#include "storage/format.hpp"

namespace loket {

Sha256Digest seal_event(SealedEvent& out, Sequence sequence, TimestampNs received_at,
                        const Command& command, std::string_view monitoring_json,
                        std::span<const Decision> decisions, const Sha256Digest& previous_hash,
                        const std::optional<IdempotencyTag>& idempotency) {
  constexpr std::size_t per_part = journal_format::decisions_per_part_max;
  const std::size_t parts = decisions.empty() ? 1 : (decisions.size() + per_part - 1) / per_part;
  // applications_max decisions (and a few transfers) need far fewer parts than the limit.
  LOKET_ASSERT(parts <= journal_format::parts_per_event_max);
  if (out.records.size() < parts) out.records.resize(parts);
  out.count = parts;
  Sha256Digest head = previous_hash;
  for (std::size_t part = 0; part < parts; ++part) {
    const std::size_t first = part * per_part;
    const std::size_t count = std::min(per_part, decisions.size() - first);
    out.records[part].clear();
    head = encode_record(
        out.records[part], sequence, received_at, command, monitoring_json,
        decisions.subspan(first, count), head, idempotency,
        RecordPlace{static_cast<std::uint32_t>(parts), static_cast<std::uint32_t>(part)});
  }
  out.chain_head = head;
  return head;
}

std::string incomplete_event(Sequence sequence, std::uint32_t missing_part, std::uint32_t parts) {
  return fmt::format("event {} is incomplete: part {} of {} is missing", sequence, missing_part,
                     parts);
}

const JournalRecord* EventAssembler::add(const JournalRecord& record,
                                         std::span<const std::uint8_t> bytes,
                                         std::string& problem) {
  if (next_part_ == 0) {
    if (record.place.part != 0) {
      problem = fmt::format("part {} of an event without its head", record.place.part);
      return nullptr;
    }
    if (record.place.whole()) return &record;
    // A head: keep its bytes and decode it again from them, so that its views stay valid.
    owned_.clear();
    owned_.emplace_back(bytes.begin(), bytes.end());
    problem = decode_record_fields(owned_.back(), event_).message();
    if (!problem.empty()) return nullptr;
    next_part_ = 1;
    return nullptr;
  }
  if (record.place.part != next_part_ || record.sequence != event_.sequence) {
    problem = incomplete_event(event_.sequence, next_part_, event_.place.parts);
    next_part_ = 0;
    return nullptr;
  }
  owned_.emplace_back(bytes.begin(), bytes.end());
  problem = decode_record_fields(owned_.back(), part_).message();
  if (!problem.empty()) return nullptr;
  event_.decisions.insert(event_.decisions.end(), part_.decisions.begin(), part_.decisions.end());
  event_.record_hash = part_.record_hash;  // the chain goes on from the last part
  if (++next_part_ < event_.place.parts) return nullptr;
  next_part_ = 0;
  return &event_;
}

}  // namespace loket
