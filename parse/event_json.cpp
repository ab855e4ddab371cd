#include "parse/event_json.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "engine/assert.hpp"
#include "engine/civil_time.hpp"
#include "engine/crypto.hpp"
#include "engine/limits.hpp"
#include "parse/strict_json.hpp"

namespace loket {
namespace {

namespace json = boost::json;

struct LineError {
  std::string message;
};

[[noreturn]] void fail(std::string_view key, std::string_view what) {
  throw LineError{fmt::format("field '{}': {}", key, what)};
}

std::optional<std::int64_t> as_int64(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64() && value.get_uint64() <= INT64_MAX) {
    return static_cast<std::int64_t>(value.get_uint64());
  }
  return std::nullopt;
}

void check_keys(const json::object& object, std::initializer_list<std::string_view> known) {
  for (const auto& member : object) {
    const std::string_view key = member.key();
    if (std::find(known.begin(), known.end(), key) == known.end()) fail(key, "unknown key");
  }
}

std::string_view required_string(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) fail(key, "missing");
  if (!value->is_string()) fail(key, "must be a string");
  return value->get_string();
}

Sha256Digest required_digest(const json::object& object, std::string_view key) {
  const auto bytes = from_hex(required_string(object, key));
  Sha256Digest digest{};
  if (!bytes || bytes->size() != digest.size()) fail(key, "must be 32 bytes of hex");
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

std::optional<std::string_view> optional_string(const json::object& object, std::string_view key,
                                                std::size_t bytes_max) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string() || value->get_string().size() > bytes_max) {
    fail(key, fmt::format("must be a string of at most {} bytes", bytes_max));
  }
  return std::string_view(value->get_string());
}

std::optional<std::int64_t> optional_amount(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return std::nullopt;
  const auto amount = as_int64(*value);
  if (!amount) fail(key, "must be an integer number of cents");
  return amount;
}

// A submission's own fields: problems are recorded as malformed, never thrown (R3).
class SubmitFields {
 public:
  SubmitFields(const json::object& object, SubmitCommand& command)
      : object_(object), command_(command) {}

  void read(std::span<const std::uint8_t> secret_key) {
    if (const json::value* value = object_.if_contains("tranche"); value && value->is_string()) {
      command_.tranche_id = value->get_string();
    }
    if (const json::value* value = object_.if_contains("id")) {
      // An id over its limit is malformed, and its text is not kept: what is journaled (and
      // exported, and allocated again) stays within the limits of an event line.
      if (value->is_string() && value->get_string().size() <= limits::application_id_bytes_max) {
        command_.application_id = value->get_string();
      } else {
        mark(Field::id);
      }
    }
    read_participant(secret_key);
    command_.amount_cents = amount("amount_cents", Field::amount_cents);
    command_.declared_value_cents = amount("declared_value_cents", Field::declared_value_cents);
    read_activities();
    read_partnership();
  }

 private:
  void mark(Field field) { command_.malformed_fields |= field_bit(field); }

  std::optional<std::int64_t> amount(std::string_view key, Field field) {
    const json::value* value = object_.if_contains(key);
    if (value == nullptr) return std::nullopt;
    const auto cents = as_int64(*value);
    if (!cents) mark(field);
    return cents;
  }

  void read_participant(std::span<const std::uint8_t> secret_key) {
    const json::value* clear = object_.if_contains("participant");
    const json::value* hashed = object_.if_contains("participant_hmac");
    if (clear != nullptr && hashed != nullptr) return mark(Field::participant);
    if (clear != nullptr) {
      const json::string* text = clear->if_string();
      if (text == nullptr || text->empty() || text->size() > limits::participant_bytes_max) {
        return mark(Field::participant);
      }
      command_.participant = participant_key(secret_key, *text);
    } else if (hashed != nullptr) {
      const json::string* text = hashed->if_string();
      const auto bytes = text ? from_hex(*text) : std::nullopt;
      if (!bytes || bytes->size() != ParticipantKey{}.size()) return mark(Field::participant);
      ParticipantKey key{};
      std::copy(bytes->begin(), bytes->end(), key.begin());
      command_.participant = key;
    }
  }

  void read_activities() {
    const json::value* value = object_.if_contains("activities");
    if (value == nullptr) return;
    const json::object* activities = value->if_object();
    if (activities == nullptr) return mark(Field::activities);
    std::array<std::int64_t, activity_count> units{};
    for (const auto& member : *activities) {
      const auto name = std::find(activity_names.begin(), activity_names.end(), member.key());
      const auto count = as_int64(member.value());
      if (name == activity_names.end() || !count || *count < 0 ||
          *count > limits::activity_units_max) {
        return mark(Field::activities);
      }
      units[static_cast<std::size_t>(name - activity_names.begin())] = *count;
    }
    command_.activity_units = units;
  }

  void read_partnership() {
    const json::value* value = object_.if_contains("partnership");
    if (value == nullptr) return;
    const json::object* partnership = value->if_object();
    if (partnership == nullptr) return mark(Field::partnership);
    Partnership result;
    for (const auto& member : *partnership) {
      if (!member.value().is_bool()) return mark(Field::partnership);
      const bool flag = member.value().get_bool();
      if (member.key() == "employer_org") {
        result.employer_org = flag;
      } else if (member.key() == "employee_org") {
        result.employee_org = flag;
      } else if (member.key() == "stvda_advice") {
        result.stvda_advice = flag;
      } else {
        return mark(Field::partnership);
      }
    }
    command_.partnership = result;
  }

  const json::object& object_;
  SubmitCommand& command_;
};

}  // namespace

void read_submit_fields(const boost::json::object& object,
                        std::span<const std::uint8_t> participant_secret_key,
                        SubmitCommand& command) {
  SubmitFields(object, command).read(participant_secret_key);
}

EventParser::EventParser(std::vector<std::uint8_t> participant_secret_key)
    : secret_key_(std::move(participant_secret_key)) {
  LOKET_ASSERT(!secret_key_.empty());
}

namespace {

// Copies text into a buffer of the parser's, so that the command's views outlive the line.
std::string_view keep(std::string& buffer, std::string_view text) {
  buffer.assign(text);
  return buffer;
}

Sequence read_sequence(const json::object& object) {
  const json::value* sequence = object.if_contains("seq");
  const auto sequence_value = sequence ? as_int64(*sequence) : std::nullopt;
  if (!sequence_value || *sequence_value < 1) fail("seq", "must be a positive integer");
  return static_cast<Sequence>(*sequence_value);
}

TimestampNs read_received_at(const json::object& object) {
  const auto received_at = parse_rfc3339(required_string(object, "received_at"));
  if (!received_at) fail("received_at", "must be an RFC 3339 date-time with offset");
  return *received_at;
}

// A submit's "monitoring" object, re-serialized into buffer; empty when there is none.
std::string_view read_monitoring(const json::object& object, std::string& buffer) {
  buffer.clear();
  if (const json::value* monitoring = object.if_contains("monitoring")) {
    if (!monitoring->is_object()) fail("monitoring", "must be an object");
    buffer = json::serialize(*monitoring);
    if (buffer.size() > limits::monitoring_bytes_max) {
      fail("monitoring", fmt::format("must be at most {} bytes", limits::monitoring_bytes_max));
    }
  }
  return buffer;
}

}  // namespace

Result<ParsedEvent> EventParser::parse(std::string_view line) {
  // Strict: a key given twice would otherwise silently keep its last value.
  Result<json::value> parsed = parse_strict_json(line);
  if (!parsed.ok()) return parsed.status();
  const json::object* object = parsed->if_object();
  if (object == nullptr) return Status::invalid_argument("not a JSON object");
  try {
    ParsedEvent event;
    const std::string_view type = required_string(*object, "type");
    event.sequence = read_sequence(*object);
    event.received_at = read_received_at(*object);
    if (type == "submit") {
      event.command = read_submit(*object, event.monitoring_json);
    } else if (type == "close_day") {
      event.command = read_close_day(*object);
    } else if (type == "close") {
      event.command = read_close(*object);
    } else if (type == "appeal") {
      event.command = read_appeal(*object);
    } else if (type == "commit_seed") {
      event.command = read_commit_seed(*object);
    } else if (type == "checkpoint") {
      event.command = read_checkpoint(*object);
    } else {
      fail("type",
           "must be one of \"submit\", \"close_day\", \"close\", \"appeal\", "
           "\"commit_seed\", \"checkpoint\"");
    }
    return event;
  } catch (const LineError& line_error) {
    return Status::invalid_argument(line_error.message);
  }
}

Command EventParser::read_submit(const json::object& object, std::string_view& monitoring_json) {
  check_keys(object,
             {"type", "seq", "received_at", "tranche", "id", "participant", "participant_hmac",
              "amount_cents", "activities", "declared_value_cents", "partnership", "monitoring"});
  SubmitCommand command;
  read_submit_fields(object, secret_key_, command);
  monitoring_json = read_monitoring(object, monitoring_);
  if (command.tranche_id.size() > limits::identifier_bytes_max) {
    fail("tranche", fmt::format("must be at most {} bytes", limits::identifier_bytes_max));
  }
  command.tranche_id = keep(tranche_id_, command.tranche_id);
  command.application_id = keep(application_id_, command.application_id);
  return command;
}

Command EventParser::read_close_day(const json::object& object) {
  check_keys(object, {"type", "seq", "received_at", "tranche", "date", "seed"});
  CloseDayCommand command;
  command.tranche_id = keep(tranche_id_, required_string(object, "tranche"));
  const auto date = parse_date(required_string(object, "date"));
  if (!date) fail("date", "must be a date YYYY-MM-DD");
  command.date = *date;
  command.seed = read_seed(object);
  return command;
}

Command EventParser::read_close(const json::object& object) {
  check_keys(object, {"type", "seq", "received_at", "tranche", "seed"});
  CloseCommand command;
  command.tranche_id = keep(tranche_id_, required_string(object, "tranche"));
  command.seed = read_seed(object);
  return command;
}

Command EventParser::read_appeal(const json::object& object) {
  check_keys(object, {"type", "seq", "received_at", "tranche", "id", "amount_cents", "reference"});
  AppealCommand command;
  command.tranche_id = keep(tranche_id_, required_string(object, "tranche"));
  command.application_id = keep(application_id_, required_string(object, "id"));
  command.amount_cents = optional_amount(object, "amount_cents");
  command.reference =
      keep(reference_,
           optional_string(object, "reference", limits::appeal_reference_bytes_max).value_or(""));
  return command;
}

Command EventParser::read_commit_seed(const json::object& object) {
  check_keys(object, {"type", "seq", "received_at", "tranche", "commitment", "draws", "nonce"});
  CommitSeedCommand command;
  command.tranche_id = keep(tranche_id_, required_string(object, "tranche"));
  command.commitment = required_digest(object, "commitment");
  if (object.contains("nonce")) command.nonce = required_digest(object, "nonce");
  const json::value* draws = object.if_contains("draws");
  const auto draws_value = draws ? as_int64(*draws) : std::nullopt;
  if (!draws_value || *draws_value < 1 || *draws_value > limits::lottery_draws_max) {
    fail("draws", fmt::format("must be an integer from 1 to {}", limits::lottery_draws_max));
  }
  command.draws = static_cast<std::uint32_t>(*draws_value);
  return command;
}

Command EventParser::read_checkpoint(const json::object& object) {
  check_keys(object, {"type", "seq", "received_at", "note"});
  const auto note = optional_string(object, "note", limits::checkpoint_note_bytes_max);
  if (!note || note->empty()) {
    fail("note", fmt::format("must be the signed checkpoint, 1 to {} bytes",
                             limits::checkpoint_note_bytes_max));
  }
  return CheckpointCommand{keep(reference_, *note)};
}

std::span<const std::uint8_t> EventParser::read_seed(const json::object& object) {
  const auto text = optional_string(object, "seed", 2 * limits::seed_bytes_max);
  if (!text) return {};
  auto bytes = from_hex(*text);
  if (!bytes || bytes->empty()) fail("seed", "must be non-empty hex");
  seed_ = std::move(*bytes);
  return seed_;
}

}  // namespace loket
