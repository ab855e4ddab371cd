// Encoder and decoder of journal records, format version 1. All integers little-endian.
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
//   monitoring  := str16 (JSON object text, or empty)
//   idempotency := present:u8 [key_hash:[32] request_hash:[32]]
//   decision    := kind:u8 tranche:u8 body
//     application := id:str8 outcome:u8 reason:u8 field:u8 compartment:u8 granted_cents:i64
//     transfer    := from:u8 to:u8 amount_cents:i64
//   str8        := length:u8 bytes;  str16 := length:u16 bytes
//   record_hash := SHA-256(previous_hash || bytes from version through the last decision)
//   crc         := CRC-32C of every byte before it
//
//   header      := version:u8 scheme_length:u32 scheme_text
//   genesis     := SHA-256("loket-journal-v1\0" || scheme_text), the first previous_hash
#include "storage/record.hpp"

#include <fmt/format.h>

#include <cstring>

#include "engine/assert.hpp"
#include "engine/limits.hpp"
#include "storage/crc32c.hpp"
#include "storage/format.hpp"

namespace loket {
namespace {

namespace format = journal_format;
static_assert(sizeof(ParticipantKey) == format::hash_bytes);
static_assert(activity_count == format::activities_per_submit);
static_assert(sizeof(CommitSeedCommand::commitment) == format::hash_bytes);
// Where the event type, and for split events the part number, sit in every record.
constexpr std::size_t event_type_offset = 1 + 8 + 8;

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

struct DecodeError {
  std::string message;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  template <typename Integer>
  Integer integer() {
    need(sizeof(Integer));
    std::uint64_t value = 0;
    for (std::size_t byte = 0; byte < sizeof(Integer); ++byte) {
      value |= std::uint64_t{bytes_[position_ + byte]} << (8 * byte);
    }
    position_ += sizeof(Integer);
    return static_cast<Integer>(value);
  }
  std::span<const std::uint8_t> bytes(std::size_t count) {
    need(count);
    const auto view = bytes_.subspan(position_, count);
    position_ += count;
    return view;
  }
  std::string_view str8() { return text(integer<std::uint8_t>()); }
  std::string_view str16() { return text(integer<std::uint16_t>()); }
  std::size_t position() const { return position_; }
  void rewind(std::size_t count) { position_ -= count; }

 private:
  std::string_view text(std::size_t count) {
    const auto view = bytes(count);
    return {reinterpret_cast<const char*>(view.data()), view.size()};
  }
  void need(std::size_t count) const {
    if (count > bytes_.size() - position_) {
      throw DecodeError{fmt::format("truncated at byte {}", position_)};
    }
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
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
  writer.integer(format::decision_application);
  writer.integer(decision.tranche_index);
  writer.str8(decision.application_id);
  writer.integer(static_cast<std::uint8_t>(decision.outcome));
  writer.integer(static_cast<std::uint8_t>(decision.reason));
  writer.integer(static_cast<std::uint8_t>(decision.field));
  writer.integer(decision.compartment_index);
  writer.integer(decision.granted_cents);
}

template <typename Enum>
Enum enum_in_range(std::uint8_t value, Enum first, Enum last, const char* what) {
  if (value < static_cast<std::uint8_t>(first) || value > static_cast<std::uint8_t>(last)) {
    throw DecodeError{fmt::format("{} {} out of range", what, value)};
  }
  return static_cast<Enum>(value);
}

std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

SubmitCommand decode_submit(Reader& reader) {
  SubmitCommand submit;
  submit.tranche_id = reader.str16();
  submit.application_id = reader.str16();
  const auto flags = reader.integer<std::uint8_t>();
  if ((flags & ~format::submit_flags_known) != 0) throw DecodeError{"unknown submit flags"};
  submit.malformed_fields = reader.integer<std::uint8_t>();
  if (flags & format::has_participant) {
    ParticipantKey key{};
    const auto bytes = reader.bytes(key.size());
    std::memcpy(key.data(), bytes.data(), key.size());
    submit.participant = key;
  }
  if (flags & format::has_amount) submit.amount_cents = reader.integer<std::int64_t>();
  if (flags & format::has_activities) {
    std::array<std::int64_t, activity_count> units{};
    for (auto& unit : units) unit = reader.integer<std::int64_t>();
    submit.activity_units = units;
  }
  if (flags & format::has_declared_value) {
    submit.declared_value_cents = reader.integer<std::int64_t>();
  }
  if (flags & format::has_partnership) {
    const auto bits = reader.integer<std::uint8_t>();
    if ((bits & ~format::partnership_bits_known) != 0)
      throw DecodeError{"unknown partnership bits"};
    submit.partnership = Partnership{(bits & format::partnership_employer) != 0,
                                     (bits & format::partnership_employee) != 0,
                                     (bits & format::partnership_stvda) != 0};
  }
  return submit;
}

Command decode_event(Reader& reader) {
  const auto type = reader.integer<std::uint8_t>();
  switch (type) {
    case format::event_submit:
      return decode_submit(reader);
    case format::event_close_day: {
      CloseDayCommand close_day;
      close_day.tranche_id = reader.str16();
      close_day.date = reader.integer<std::int32_t>();
      close_day.seed = as_bytes(reader.str8());
      return close_day;
    }
    case format::event_close: {
      CloseCommand close;
      close.tranche_id = reader.str16();
      close.seed = as_bytes(reader.str8());
      return close;
    }
    case format::event_appeal: {
      AppealCommand appeal;
      appeal.tranche_id = reader.str16();
      appeal.application_id = reader.str16();
      if (reader.integer<std::uint8_t>() != 0) appeal.amount_cents = reader.integer<std::int64_t>();
      appeal.reference = reader.str16();
      return appeal;
    }
    case format::event_commit_seed:
    case format::event_commit_seed_nonce: {
      CommitSeedCommand commit;
      commit.tranche_id = reader.str16();
      const auto commitment = reader.bytes(commit.commitment.size());
      std::memcpy(commit.commitment.data(), commitment.data(), commit.commitment.size());
      commit.draws = reader.integer<std::uint32_t>();
      if (type == format::event_commit_seed_nonce) {
        const auto nonce = reader.bytes(commit.commitment.size());
        commit.nonce.emplace();
        std::memcpy(commit.nonce->data(), nonce.data(), commit.nonce->size());
      }
      return commit;
    }
    default:
      throw DecodeError{fmt::format("unknown event type {}", type)};
  }
}

// Reads `split parts` or `part part` when the event is one; leaves the reader at the event.
RecordPlace decode_place(Reader& reader) {
  const auto type = reader.bytes(1)[0];
  if (type != format::event_split && type != format::event_part) {
    reader.rewind(1);
    return {};
  }
  const auto number = reader.integer<std::uint32_t>();
  if (type == format::event_split) {
    if (number < 2 || number > format::parts_per_event_max) {
      throw DecodeError{fmt::format("split into {} parts", number)};
    }
    return {number, 0};
  }
  if (number == 0 || number >= format::parts_per_event_max) {
    throw DecodeError{fmt::format("part number {} out of range", number)};
  }
  return {0, number};  // a part does not repeat the count: its head states it
}

Decision decode_decision(Reader& reader) {
  Decision decision;
  const auto kind = reader.integer<std::uint8_t>();
  decision.tranche_index = reader.integer<std::uint8_t>();
  if (kind == format::decision_transfer) {
    decision.kind = Decision::Kind::transfer;
    decision.from_compartment = reader.integer<std::uint8_t>();
    decision.to_compartment = reader.integer<std::uint8_t>();
    decision.amount_cents = reader.integer<std::int64_t>();
    return decision;
  }
  if (kind != format::decision_application)
    throw DecodeError{fmt::format("unknown decision kind {}", kind)};
  decision.application_id = reader.str8();
  decision.outcome =
      enum_in_range(reader.integer<std::uint8_t>(), outcome_first, outcome_last, "outcome");
  decision.reason =
      enum_in_range(reader.integer<std::uint8_t>(), Reason::none, reason_last, "reason");
  decision.field = enum_in_range(reader.integer<std::uint8_t>(), Field::none, field_last, "field");
  decision.compartment_index = reader.integer<std::uint8_t>();
  decision.granted_cents = reader.integer<std::int64_t>();
  return decision;
}

Sha256Digest chain_hash(const Sha256Digest& previous_hash, std::span<const std::uint8_t> body) {
  // One buffer per thread, reused: hashing runs for every record written and read.
  thread_local std::vector<std::uint8_t> message;
  message.assign(previous_hash.begin(), previous_hash.end());
  message.insert(message.end(), body.begin(), body.end());
  return sha256(message);
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

std::string check_record_seal(std::span<const std::uint8_t> bytes, RecordSeal& out) {
  constexpr std::size_t trailer_bytes = 2 * format::hash_bytes + format::checksum_bytes;
  constexpr std::size_t head_bytes = 1 + 8 + 8;
  if (bytes.size() < head_bytes + 1 + trailer_bytes) {
    return fmt::format("too short ({} bytes)", bytes.size());
  }
  if (bytes.size() > format::record_bytes_max) return "larger than a record may be";
  const std::size_t checked_bytes = bytes.size() - format::checksum_bytes;
  Reader crc_reader(bytes.subspan(checked_bytes));
  if (crc32c(bytes.first(checked_bytes)) != crc_reader.integer<std::uint32_t>()) {
    return "checksum mismatch";
  }
  Reader reader(bytes);
  const auto version = reader.integer<std::uint8_t>();
  if (version != format::version) return fmt::format("unknown format version {}", version);
  out.sequence = reader.integer<std::uint64_t>();
  out.received_at = reader.integer<std::int64_t>();
  const std::size_t body_bytes = bytes.size() - trailer_bytes;
  try {
    Reader place_reader(bytes.subspan(event_type_offset, body_bytes - event_type_offset));
    out.place = decode_place(place_reader);
  } catch (const DecodeError& error) {
    return error.message;
  }
  std::memcpy(out.previous_hash.data(), bytes.data() + body_bytes, format::hash_bytes);
  std::memcpy(out.record_hash.data(), bytes.data() + body_bytes + format::hash_bytes,
              format::hash_bytes);
  if (chain_hash(out.previous_hash, bytes.first(body_bytes)) != out.record_hash) {
    return "record hash does not match its contents";
  }
  return {};
}

std::string decode_record_fields(std::span<const std::uint8_t> bytes, JournalRecord& out) {
  constexpr std::size_t trailer_bytes = 2 * format::hash_bytes + format::checksum_bytes;
  // The seal check rejects these first; the decoder still answers for itself (fuzzed alone).
  if (bytes.size() <= trailer_bytes) return fmt::format("truncated at byte {}", bytes.size());
  const std::size_t body_bytes = bytes.size() - trailer_bytes;
  try {
    Reader reader(bytes.first(body_bytes));
    reader.integer<std::uint8_t>();  // the version, checked with the seal
    out.sequence = reader.integer<std::uint64_t>();
    out.received_at = reader.integer<std::int64_t>();
    out.place = decode_place(reader);
    if (out.place.part == 0) out.command = decode_event(reader);
    out.monitoring_json = reader.str16();
    out.idempotency.reset();
    const auto has_idempotency = reader.integer<std::uint8_t>();
    if (has_idempotency > 1) return "unknown idempotency flag";
    if (has_idempotency == 1) {
      IdempotencyTag tag;
      const auto key = reader.bytes(format::hash_bytes);
      const auto request = reader.bytes(format::hash_bytes);
      std::memcpy(tag.key_hash.data(), key.data(), format::hash_bytes);
      std::memcpy(tag.request_hash.data(), request.data(), format::hash_bytes);
      out.idempotency = tag;
    }
    const auto count = reader.integer<std::uint32_t>();
    if (count > format::decisions_per_record_max) return "too many decisions";
    out.decisions.clear();
    for (std::uint32_t index = 0; index < count; ++index) {
      out.decisions.push_back(decode_decision(reader));
    }
    if (reader.position() != body_bytes) return "bytes after the decisions";
    std::memcpy(out.previous_hash.data(), bytes.data() + body_bytes, format::hash_bytes);
    std::memcpy(out.record_hash.data(), bytes.data() + body_bytes + format::hash_bytes,
                format::hash_bytes);
  } catch (const DecodeError& error) {
    return error.message;
  }
  return {};
}

std::string decode_record(std::span<const std::uint8_t> bytes, JournalRecord& out) {
  RecordSeal seal;
  if (std::string problem = check_record_seal(bytes, seal); !problem.empty()) return problem;
  return decode_record_fields(bytes, out);
}

std::string encode_header(std::string_view scheme_text) {
  std::string out;
  Writer writer(out);
  writer.integer(format::version);
  writer.integer(static_cast<std::uint32_t>(scheme_text.size()));
  out.append(scheme_text);
  return out;
}

std::string decode_header(std::span<const std::uint8_t> bytes, std::string_view& scheme_text) {
  try {
    Reader reader(bytes);
    const auto version = reader.integer<std::uint8_t>();
    if (version != format::version) return fmt::format("unknown format version {}", version);
    const auto length = reader.integer<std::uint32_t>();
    const auto text = reader.bytes(length);
    if (reader.position() != bytes.size()) return "bytes after the header";
    scheme_text = {reinterpret_cast<const char*>(text.data()), text.size()};
  } catch (const DecodeError& error) {
    return error.message;
  }
  return {};
}

Sha256Digest genesis_hash(std::string_view scheme_text) {
  constexpr std::string_view domain{"loket-journal-v1\0", 17};
  std::string message(domain);
  message.append(scheme_text);
  return sha256(as_bytes(message));
}

bool same_decision(const Decision& a, const Decision& b) {
  return a.kind == b.kind && a.tranche_index == b.tranche_index &&
         a.application_id == b.application_id && a.outcome == b.outcome && a.reason == b.reason &&
         a.field == b.field && a.compartment_index == b.compartment_index &&
         a.granted_cents == b.granted_cents && a.from_compartment == b.from_compartment &&
         a.to_compartment == b.to_compartment && a.amount_cents == b.amount_cents;
}

}  // namespace loket
