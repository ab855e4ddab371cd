// One journal record: an event the allocator accepted, the decisions it caused, and the link
// to the record before it. encode_record and decode_record are pure functions over bytes, so
// the same code serves the journal, the auditor, the export and the fuzzer.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"
#include "engine/command.hpp"
#include "engine/crypto.hpp"
#include "engine/decision.hpp"

namespace loket {

// A submission's Idempotency-Key as journaled: hashes only, so that retries are recognised
// after a restart without keeping the key or the request.
struct IdempotencyTag {
  Sha256Digest key_hash{};      // SHA-256 of the caller's token name, a zero byte, the key
  Sha256Digest request_hash{};  // SHA-256 of the tranche, a zero byte, the request body
  bool operator==(const IdempotencyTag&) const = default;
};

// Where a record stands in its event: all of it (parts 1), or, for an event whose decisions
// were split over several records, its head (part 0, parts N) or a later part (part 1..N-1,
// parts 0 as decoded: only the head states the count), which holds decisions only
// (storage/format.hpp, event_split).
struct RecordPlace {
  std::uint32_t parts = 1;
  std::uint32_t part = 0;
  bool whole() const { return parts == 1; }
  bool operator==(const RecordPlace&) const = default;
};

// A decoded record. Strings, seeds and decision ids are views into the bytes it was decoded
// from, which must outlive it. A later part of a split event has no command of its own
// (`command` is left as it was); readers see whole events (storage/event_parts.hpp).
struct JournalRecord {
  RecordPlace place;
  Sequence sequence = 0;
  TimestampNs received_at = 0;
  Command command;
  std::string_view monitoring_json;  // the submission's monitoring attributes, or empty
  std::optional<IdempotencyTag> idempotency;
  std::vector<Decision> decisions;
  Sha256Digest previous_hash{};
  Sha256Digest record_hash{};
};

// Appends the record's bytes to `out` and returns its hash:
// SHA-256(previous_hash || the record's bytes up to its previous_hash field). For a later part
// of a split event the command, monitoring and idempotency are not written.
// storage/event_parts.hpp seals a whole event, splitting it where it must.
Sha256Digest encode_record(std::string& out, Sequence sequence, TimestampNs received_at,
                           const Command& command, std::string_view monitoring_json,
                           std::span<const Decision> decisions, const Sha256Digest& previous_hash,
                           const std::optional<IdempotencyTag>& idempotency = std::nullopt,
                           RecordPlace place = {});

// Decodes and checks one record: version, bounds, checksum and its own hash. Returns ok, or a
// corruption status that says what is wrong ("checksum mismatch", "truncated at byte 17").
// It does not check the chain (the previous record's hash) or the sequence; the reader does.
// It is check_record_seal followed by decode_record_fields.
Status decode_record(std::span<const std::uint8_t> bytes, JournalRecord& out);

// The parts of a record at fixed offsets, which seal it: checked without decoding the event.
struct RecordSeal {
  RecordPlace place;
  Sequence sequence = 0;
  TimestampNs received_at = 0;
  Sha256Digest previous_hash{};
  Sha256Digest record_hash{};
};
Status check_record_seal(std::span<const std::uint8_t> bytes, RecordSeal& out);
// Decodes the event and decisions of a record whose seal was checked; does no hashing.
Status decode_record_fields(std::span<const std::uint8_t> bytes, JournalRecord& out);

// The journal header: the format version and the scheme file's text, from which the first
// record's previous_hash (the genesis hash) is derived.
std::string encode_header(std::string_view scheme_text);
Status decode_header(std::span<const std::uint8_t> bytes, std::string_view& scheme_text);
Sha256Digest genesis_hash(std::string_view scheme_text);

// Two decisions are the same decision (ids compared by value).
bool same_decision(const Decision& a, const Decision& b);

}  // namespace loket
