// The journal's on-disk format, version 1. Written down three times: here (the constants),
// beside the encoder (storage/record_encoder.cpp, the grammar), and in docs/journal.md (the
// prose).
// Changing any of it is a new version; readers refuse versions they do not know.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/limits.hpp"

namespace loket::journal_format {

inline constexpr std::uint8_t version = 1;

// RocksDB keys. The header sorts before every record; records sort by sequence because the
// sequence is written big-endian.
inline constexpr std::string_view header_key = "h";
inline constexpr char record_key_prefix = 'r';
inline constexpr std::size_t record_key_bytes = 1 + 8;
// A later part of an event journaled in several records (see event_split) is kept under its
// event's key followed by the part number, big-endian: it sorts after its head and before the
// next sequence.
inline constexpr std::size_t record_part_key_bytes = record_key_bytes + 4;

// Event types in a record.
inline constexpr std::uint8_t event_submit = 1;
inline constexpr std::uint8_t event_close_day = 2;
inline constexpr std::uint8_t event_close = 3;
inline constexpr std::uint8_t event_appeal = 4;
// An event whose decisions do not fit one record (a close may decide millions) is journaled as
// a head record, `split parts:u32` around the event and the first decisions, followed by
// parts-1 records `part part:u32` that hold only decisions; all of them in one write batch.
// Events that fit one record are written exactly as before, so old journals read unchanged.
inline constexpr std::uint8_t event_split = 10;
inline constexpr std::uint8_t event_part = 11;
// Added within version 1: older journals simply have none, and every older record reads as
// before.
inline constexpr std::uint8_t event_commit_seed = 5;
// commit_seed with the journal's own nonce (engine/lottery.hpp); every new commitment has one.
inline constexpr std::uint8_t event_commit_seed_nonce = 6;
// A signed checkpoint of the decision tree (proof/checkpoint.hpp).
inline constexpr std::uint8_t event_checkpoint = 7;

// Presence bits of a submit's optional fields.
inline constexpr std::uint8_t has_participant = 1 << 0;
inline constexpr std::uint8_t has_amount = 1 << 1;
inline constexpr std::uint8_t has_activities = 1 << 2;
inline constexpr std::uint8_t has_declared_value = 1 << 3;
inline constexpr std::uint8_t has_partnership = 1 << 4;
inline constexpr std::uint8_t submit_flags_known = 0x1f;
static_assert(submit_flags_known == (has_participant | has_amount | has_activities |
                                     has_declared_value | has_partnership));
// A submit's activities: one i64 per activity of the sector scheme (engine/scheme.hpp).
inline constexpr std::size_t activities_per_submit = 7;

// Partnership bits.
inline constexpr std::uint8_t partnership_employer = 1 << 0;
inline constexpr std::uint8_t partnership_employee = 1 << 1;
inline constexpr std::uint8_t partnership_stvda = 1 << 2;
inline constexpr std::uint8_t partnership_bits_known = 0x07;
static_assert(partnership_bits_known ==
              (partnership_employer | partnership_employee | partnership_stvda));

// Decision kinds.
inline constexpr std::uint8_t decision_application = 1;
inline constexpr std::uint8_t decision_transfer = 2;
inline constexpr std::uint8_t decision_carry_over = 3;  // R11; older journals have none

inline constexpr std::size_t hash_bytes = 32;     // SHA-256
inline constexpr std::size_t checksum_bytes = 4;  // CRC-32C
inline constexpr std::size_t record_bytes_max = 16 << 20;
inline constexpr std::size_t decisions_per_record_max = 1 << 24;  // what a reader accepts
// What a writer puts in one record: an event with more decisions is split into parts.
inline constexpr std::size_t decisions_per_part_max = 1 << 16;
inline constexpr std::uint32_t parts_per_event_max = 1 << 16;
// The largest decision (an application with a 64-byte id) and the largest event with its
// monitoring and idempotency: a full part stays far below the record limit.
inline constexpr std::size_t decision_bytes_max =
    1 + 1 + (1 + limits::application_id_bytes_max) + 4 + 8;
inline constexpr std::size_t event_bytes_max = 16 << 10;
static_assert(decisions_per_part_max * decision_bytes_max + event_bytes_max < record_bytes_max);
static_assert(decisions_per_part_max <= decisions_per_record_max);

// Every engine limit whose value reaches a record fits the field that holds it: raising one
// past its field is a format change, and stops the build here instead of corrupting a journal.
static_assert(limits::identifier_bytes_max <= UINT16_MAX);             // tranche: str16
static_assert(limits::application_id_bytes_max <= UINT8_MAX);          // a decision's id: str8
static_assert(limits::appeal_reference_bytes_max <= UINT16_MAX);       // reference: str16
static_assert(limits::seed_bytes_max <= UINT8_MAX);                    // seed: str8
static_assert(limits::monitoring_bytes_max <= UINT16_MAX);             // monitoring: str16
static_assert(limits::tranches_max <= UINT8_MAX + 1);                  // a decision's tranche: u8
static_assert(limits::compartments_per_tranche_max <= UINT8_MAX + 1);  // compartment: u8
static_assert(limits::lottery_draws_max <= UINT32_MAX);                // draws: u32
// The largest event (an appeal or a submit with every field) with its monitoring and
// idempotency tag fits the room a part keeps for its event.
static_assert(1 + 8 + 8 + (1 + 4) + 1 + (2 + limits::identifier_bytes_max) +
                  (2 + limits::application_id_bytes_max) + 1 + 8 +
                  (2 + limits::appeal_reference_bytes_max) + 32 + activities_per_submit * 8 + 8 +
                  1 + (2 + limits::monitoring_bytes_max) + (1 + 2 * hash_bytes) + 4 +
                  2 * hash_bytes + checksum_bytes <=
              event_bytes_max);
// Every application of the engine and the transfers between compartments fit one split event.
static_assert(limits::applications_max * 2 <=
              std::uint64_t{decisions_per_part_max} * parts_per_event_max);

}  // namespace loket::journal_format
