// Decoder of journal records: the grammar is beside the encoder (storage/record_encoder.cpp).
// Every length and enum is checked against the bytes and the format's limits, so that any
// input, damaged or hostile, gets a message and never an assertion (it is fuzzed).
#include <fmt/format.h>

#include <cstring>

#include "storage/crc32c.hpp"
#include "storage/format.hpp"
#include "storage/record.hpp"
#include "storage/record_chain.hpp"

namespace loket {
namespace {

namespace format = journal_format;
// Where the event type, and for split events the part number, sit in every record.
constexpr std::size_t event_type_offset = 1 + 8 + 8;

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

template <typename Enum>
Enum enum_in_range(std::uint8_t value, Enum first, Enum last, const char* what) {
  if (value < static_cast<std::uint8_t>(first) || value > static_cast<std::uint8_t>(last)) {
    throw DecodeError{fmt::format("{} {} out of range", what, value)};
  }
  return static_cast<Enum>(value);
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
    case format::event_checkpoint:
      return CheckpointCommand{reader.str16()};
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
  if (kind == format::decision_carry_over) {
    decision.kind = Decision::Kind::carry_over;
    decision.to_tranche = reader.integer<std::uint8_t>();
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

}  // namespace

Status check_record_seal(std::span<const std::uint8_t> bytes, RecordSeal& out) {
  constexpr std::size_t trailer_bytes = 2 * format::hash_bytes + format::checksum_bytes;
  constexpr std::size_t head_bytes = 1 + 8 + 8;
  if (bytes.size() < head_bytes + 1 + trailer_bytes) {
    return Status::corruption(fmt::format("too short ({} bytes)", bytes.size()));
  }
  if (bytes.size() > format::record_bytes_max)
    return Status::corruption("larger than a record may be");
  const std::size_t checked_bytes = bytes.size() - format::checksum_bytes;
  Reader crc_reader(bytes.subspan(checked_bytes));
  if (crc32c(bytes.first(checked_bytes)) != crc_reader.integer<std::uint32_t>()) {
    return Status::corruption("checksum mismatch");
  }
  Reader reader(bytes);
  const auto version = reader.integer<std::uint8_t>();
  if (version != format::version)
    return Status::corruption(fmt::format("unknown format version {}", version));
  out.sequence = reader.integer<std::uint64_t>();
  out.received_at = reader.integer<std::int64_t>();
  const std::size_t body_bytes = bytes.size() - trailer_bytes;
  try {
    Reader place_reader(bytes.subspan(event_type_offset, body_bytes - event_type_offset));
    out.place = decode_place(place_reader);
  } catch (const DecodeError& error) {
    return Status::corruption(error.message);
  }
  std::memcpy(out.previous_hash.data(), bytes.data() + body_bytes, format::hash_bytes);
  std::memcpy(out.record_hash.data(), bytes.data() + body_bytes + format::hash_bytes,
              format::hash_bytes);
  if (chain_hash(out.previous_hash, bytes.first(body_bytes)) != out.record_hash) {
    return Status::corruption("record hash does not match its contents");
  }
  return Status::ok();
}

Status decode_record_fields(std::span<const std::uint8_t> bytes, JournalRecord& out) {
  constexpr std::size_t trailer_bytes = 2 * format::hash_bytes + format::checksum_bytes;
  // The seal check rejects these first; the decoder still answers for itself (fuzzed alone).
  if (bytes.size() <= trailer_bytes)
    return Status::corruption(fmt::format("truncated at byte {}", bytes.size()));
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
    if (has_idempotency > 1) return Status::corruption("unknown idempotency flag");
    if (has_idempotency == 1) {
      IdempotencyTag tag;
      const auto key = reader.bytes(format::hash_bytes);
      const auto request = reader.bytes(format::hash_bytes);
      std::memcpy(tag.key_hash.data(), key.data(), format::hash_bytes);
      std::memcpy(tag.request_hash.data(), request.data(), format::hash_bytes);
      out.idempotency = tag;
    }
    const auto count = reader.integer<std::uint32_t>();
    if (count > format::decisions_per_record_max) return Status::corruption("too many decisions");
    out.decisions.clear();
    for (std::uint32_t index = 0; index < count; ++index) {
      out.decisions.push_back(decode_decision(reader));
    }
    if (reader.position() != body_bytes) return Status::corruption("bytes after the decisions");
    std::memcpy(out.previous_hash.data(), bytes.data() + body_bytes, format::hash_bytes);
    std::memcpy(out.record_hash.data(), bytes.data() + body_bytes + format::hash_bytes,
                format::hash_bytes);
  } catch (const DecodeError& error) {
    return Status::corruption(error.message);
  }
  return Status::ok();
}

Status decode_record(std::span<const std::uint8_t> bytes, JournalRecord& out) {
  RecordSeal seal;
  if (Status sealed = check_record_seal(bytes, seal); !sealed.is_ok()) return sealed;
  return decode_record_fields(bytes, out);
}

Status decode_header(std::span<const std::uint8_t> bytes, std::string_view& scheme_text) {
  try {
    Reader reader(bytes);
    const auto version = reader.integer<std::uint8_t>();
    if (version != format::version)
      return Status::corruption(fmt::format("unknown format version {}", version));
    const auto length = reader.integer<std::uint32_t>();
    const auto text = reader.bytes(length);
    if (reader.position() != bytes.size()) return Status::corruption("bytes after the header");
    scheme_text = {reinterpret_cast<const char*>(text.data()), text.size()};
  } catch (const DecodeError& error) {
    return Status::corruption(error.message);
  }
  return Status::ok();
}

bool same_decision(const Decision& a, const Decision& b) {
  return a.kind == b.kind && a.tranche_index == b.tranche_index &&
         a.application_id == b.application_id && a.outcome == b.outcome && a.reason == b.reason &&
         a.field == b.field && a.compartment_index == b.compartment_index &&
         a.granted_cents == b.granted_cents && a.from_compartment == b.from_compartment &&
         a.to_compartment == b.to_compartment && a.to_tranche == b.to_tranche &&
         a.amount_cents == b.amount_cents;
}

}  // namespace loket
