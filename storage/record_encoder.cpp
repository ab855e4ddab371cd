// Encoder of journal records, format version 1; the decoder is storage/record_decoder.cpp.
// All integers little-endian.
//
//   record      := version:u8 sequence:u64 received_at:i64 event monitoring idempotency
//                  decision_count:u32 decision* previous_hash:[32] record_hash:[32] crc:u32
//   event       := type:u8 body
//     submit    := tranche:str16 id:str16 flags:u8 malformed:u8 [participant:[32]] [amount:i64]
//                  [activities:i64 x 7] [declared_value:i64] [partnership:u8]
//     close_day := tranche:str16 date:i32 seed:str8
//     close     := tranche:str16 seed:str8
//     appeal    := tranche:str16 id:str16 has_amount:u8 [amount:i64] reference:str16
//     split     := parts:u32 event           the head of an event journaled in `parts` records
//     part      := part:u32                  part 1..parts-1: monitoring empty, no idempotency
//     commit_seed := tranche:str16 commitment:[32] draws:u32
//     commit_seed_nonce := tranche:str16 commitment:[32] draws:u32 nonce:[32]
//     checkpoint  := note:str16
//   monitoring  := str16 (JSON object text, or empty)
//   idempotency := present:u8 [key_hash:[32] request_hash:[32]]
//   decision    := kind:u8 tranche:u8 body
//     application := id:str8 outcome:u8 reason:u8 field:u8 compartment:u8 granted_cents:i64
//     transfer    := from:u8 to:u8 amount_cents:i64
//     carry_over  := to_tranche:u8 amount:i64      (tranche is the source; places or cents)
//   str8        := length:u8 bytes;  str16 := length:u16 bytes
//   record_hash := SHA-256(previous_hash || bytes from version through the last decision)
//   crc         := CRC-32C of every byte before it
//
//   header      := version:u8 scheme_length:u32 scheme_text
//   genesis     := SHA-256("loket-journal-v1\0" || scheme_text), the first previous_hash
#include <fmt/format.h>

#include "engine/assert.hpp"
#include "engine/limits.hpp"
#include "storage/crc32c.hpp"
#include "storage/format.hpp"
#include "storage/record.hpp"
#include "storage/record_chain.hpp"

namespace loket {
namespace {

namespace format = journal_format;
static_assert(sizeof(ParticipantKey) == format::hash_bytes);
static_assert(activity_count == format::activities_per_submit);
static_assert(sizeof(CommitSeedCommand::commitment) == format::hash_bytes);

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  template <typename Integer>
  void integer(Integer value) {
    static_assert(std::is_integral_v<Integer>);
    for (std::size_t byte = 0; byte < sizeof(Integer); ++byte) {
      out_.push_back(static_cast<char>(static_cast<std::uint64_t>(value) >> (8 * byte) & 0xFF));
    }
  }
  void bytes(std::span<const std::uint8_t> data) {
    out_.append(reinterpret_cast<const char*>(data.data()), data.size());
  }
  void str8(std::string_view text) {
    LOKET_ASSERT(text.size() <= UINT8_MAX);
    integer(static_cast<std::uint8_t>(text.size()));
    out_.append(text);
  }
  void str16(std::string_view text) {
    LOKET_ASSERT(text.size() <= UINT16_MAX);
    integer(static_cast<std::uint16_t>(text.size()));
    out_.append(text);
  }

 private:
  std::string& out_;
};

void encode_submit(Writer& writer, const SubmitCommand& submit) {
  writer.integer(format::event_submit);
  writer.str16(submit.tranche_id);
  writer.str16(submit.application_id);
  std::uint8_t flags = 0;
  if (submit.participant) flags |= format::has_participant;
  if (submit.amount_cents) flags |= format::has_amount;
  if (submit.activity_units) flags |= format::has_activities;
  if (submit.declared_value_cents) flags |= format::has_declared_value;
  if (submit.partnership) flags |= format::has_partnership;
  writer.integer(flags);
  writer.integer(submit.malformed_fields);
  if (submit.participant) writer.bytes(*submit.participant);
  if (submit.amount_cents) writer.integer(*submit.amount_cents);
  if (submit.activity_units) {
    for (const std::int64_t units : *submit.activity_units) writer.integer(units);
  }
  if (submit.declared_value_cents) writer.integer(*submit.declared_value_cents);
  if (submit.partnership) {
    std::uint8_t bits = 0;
    if (submit.partnership->employer_org) bits |= format::partnership_employer;
    if (submit.partnership->employee_org) bits |= format::partnership_employee;
    if (submit.partnership->stvda_advice) bits |= format::partnership_stvda;
    writer.integer(bits);
  }
}

void encode_event(Writer& writer, const Command& command) {
  if (const auto* submit = std::get_if<SubmitCommand>(&command))
    return encode_submit(writer, *submit);
  if (const auto* close_day = std::get_if<CloseDayCommand>(&command)) {
    writer.integer(format::event_close_day);
    writer.str16(close_day->tranche_id);
    writer.integer(close_day->date);
    writer.str8({reinterpret_cast<const char*>(close_day->seed.data()), close_day->seed.size()});
    return;
  }
  if (const auto* close = std::get_if<CloseCommand>(&command)) {
    writer.integer(format::event_close);
    writer.str16(close->tranche_id);
    writer.str8({reinterpret_cast<const char*>(close->seed.data()), close->seed.size()});
    return;
  }
  if (const auto* commit = std::get_if<CommitSeedCommand>(&command)) {
    writer.integer(commit->nonce ? format::event_commit_seed_nonce : format::event_commit_seed);
    writer.str16(commit->tranche_id);
    writer.bytes(commit->commitment);
    writer.integer(commit->draws);
    if (commit->nonce) writer.bytes(*commit->nonce);
    return;
  }
  if (const auto* checkpoint = std::get_if<CheckpointCommand>(&command)) {
    writer.integer(format::event_checkpoint);
    writer.str16(checkpoint->note);
    return;
  }
  const auto& appeal = std::get<AppealCommand>(command);
  writer.integer(format::event_appeal);
  writer.str16(appeal.tranche_id);
  writer.str16(appeal.application_id);
  writer.integer(static_cast<std::uint8_t>(appeal.amount_cents ? 1 : 0));
  if (appeal.amount_cents) writer.integer(*appeal.amount_cents);
  writer.str16(appeal.reference);
}

void encode_decision(Writer& writer, const Decision& decision) {
  if (decision.kind == Decision::Kind::transfer) {
    writer.integer(format::decision_transfer);
    writer.integer(decision.tranche_index);
    writer.integer(decision.from_compartment);
    writer.integer(decision.to_compartment);
    writer.integer(decision.amount_cents);
    return;
  }
  if (decision.kind == Decision::Kind::carry_over) {
    writer.integer(format::decision_carry_over);
    writer.integer(decision.tranche_index);
    writer.integer(decision.to_tranche);
    writer.integer(decision.amount_cents);
    return;
  }
  writer.integer(format::decision_application);
  writer.integer(decision.tranche_index);
  writer.str8(decision.application_id);
  writer.integer(static_cast<std::uint8_t>(decision.outcome));
  writer.integer(static_cast<std::uint8_t>(decision.reason));
  writer.integer(static_cast<std::uint8_t>(decision.field));
  writer.integer(decision.compartment_index);
  writer.integer(decision.granted_cents);
}

}  // namespace

Sha256Digest encode_record(std::string& out, Sequence sequence, TimestampNs received_at,
                           const Command& command, std::string_view monitoring_json,
                           std::span<const Decision> decisions, const Sha256Digest& previous_hash,
                           const std::optional<IdempotencyTag>& idempotency, RecordPlace place) {
  LOKET_ASSERT(sequence > 0);
  LOKET_ASSERT(monitoring_json.size() <= limits::monitoring_bytes_max);
  const std::size_t start = out.size();
  Writer writer(out);
  LOKET_ASSERT(place.part < place.parts && place.parts <= format::parts_per_event_max);
  LOKET_ASSERT(decisions.size() <= format::decisions_per_part_max);
  writer.integer(format::version);
  writer.integer(sequence);
  writer.integer(received_at);
  if (place.part > 0) {
    writer.integer(format::event_part);
    writer.integer(place.part);
  } else {
    if (!place.whole()) {
      writer.integer(format::event_split);
      writer.integer(place.parts);
    }
    encode_event(writer, command);
  }
  const bool event_data = place.part == 0;
  writer.str16(event_data ? monitoring_json : std::string_view{});
  writer.integer(static_cast<std::uint8_t>(idempotency && event_data ? 1 : 0));
  if (idempotency && event_data) {
    writer.bytes(idempotency->key_hash);
    writer.bytes(idempotency->request_hash);
  }
  writer.integer(static_cast<std::uint32_t>(decisions.size()));
  for (const Decision& decision : decisions) encode_decision(writer, decision);
  const auto body = as_bytes(std::string_view(out).substr(start));
  const Sha256Digest record_hash = chain_hash(previous_hash, body);
  writer.bytes(previous_hash);
  writer.bytes(record_hash);
  writer.integer(crc32c(as_bytes(std::string_view(out).substr(start))));
  LOKET_ASSERT(out.size() - start <= format::record_bytes_max);
  return record_hash;
}

std::string encode_header(std::string_view scheme_text) {
  std::string out;
  Writer writer(out);
  writer.integer(format::version);
  writer.integer(static_cast<std::uint32_t>(scheme_text.size()));
  out.append(scheme_text);
  return out;
}

Sha256Digest genesis_hash(std::string_view scheme_text) {
  constexpr std::string_view domain{"loket-journal-v1\0", 17};
  std::string message(domain);
  message.append(scheme_text);
  return sha256(as_bytes(message));
}

}  // namespace loket
