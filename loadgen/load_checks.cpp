#include "loadgen/load_checks.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>
#include <unordered_map>

namespace loket {
namespace {

namespace json = boost::json;

constexpr std::size_t examples_max = 5;

struct DecidedApplication {
  std::string outcome;
  std::string reason;
};

std::string_view text_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string_view(value->get_string())
                                                : std::string_view();
}

std::uint64_t number_of(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  if (value == nullptr) return 0;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0)
    return static_cast<std::uint64_t>(value->get_int64());
  return 0;
}

// Calls visit with each line's JSON object; false (and a failure) on a line that is not one.
template <class Visit>
bool for_each_object(std::string_view lines, std::string_view what,
                     std::vector<std::string>& failures, Visit&& visit) {
  std::size_t line_number = 0;
  while (!lines.empty()) {
    const std::size_t end = std::min(lines.find('\n'), lines.size());
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(std::min(end + 1, lines.size()));
    ++line_number;
    if (line.empty()) continue;
    boost::system::error_code error;
    const json::value value = json::parse(line, error);
    if (error || !value.is_object()) {
      failures.push_back(
          fmt::format("the {} export's line {} is not a JSON object", what, line_number));
      return false;
    }
    visit(value.get_object());
  }
  return true;
}

// Over the cap, or one participant granted twice: each a failure, with a few examples.
void check_grants(
    const std::unordered_map<std::string, std::pair<DecidedApplication, std::uint64_t>>& latest,
    std::unordered_map<std::string, bool>& granted_on_appeal,
    std::unordered_map<std::string, std::string>& participant_of, RunCheck& check) {
  std::unordered_map<std::string, std::vector<std::string>> granted_ids_of;
  for (const auto& [id, state] : latest) {
    if (state.first.outcome != "granted" || granted_on_appeal[id]) continue;
    check.granted_units += check.unit == "cents" ? state.second : 1;
    granted_ids_of[participant_of[id]].push_back(id);
  }
  if (check.granted_units > check.capacity_units) {
    check.failures.push_back(fmt::format("over the cap: {} {} granted of {}", check.granted_units,
                                         check.unit, check.capacity_units));
  }
  std::size_t twice = 0;
  for (const auto& [participant, ids] : granted_ids_of) {
    if (ids.size() < 2) continue;
    if (++twice <= examples_max) {
      check.failures.push_back(fmt::format("participant {}... granted {} times ({}, {})",
                                           participant.substr(0, 12), ids.size(), ids[0], ids[1]));
    }
  }
  if (twice > examples_max) {
    check.failures.push_back(fmt::format("... {} participants granted more than once", twice));
  }
}

// Every receipt the clients got must be the record's decision at submission.
void check_receipts(
    const std::vector<LoadReceipt>& receipts,
    const std::map<std::pair<std::uint64_t, std::string>, DecidedApplication>& at_submission,
    RunCheck& check) {
  std::size_t missing = 0;
  for (const LoadReceipt& receipt : receipts) {
    check.receipts_checked += 1;
    const auto found = at_submission.find({receipt.sequence, receipt.id});
    const bool same = found != at_submission.end() && found->second.outcome == receipt.outcome &&
                      found->second.reason == receipt.reason;
    if (same) continue;
    if (++missing <= examples_max) {
      check.failures.push_back(
          found == at_submission.end()
              ? fmt::format("receipt seq {} id {} is not in the server's record", receipt.sequence,
                            receipt.id)
              : fmt::format("receipt seq {} id {} says {} {}, the record {} {}", receipt.sequence,
                            receipt.id, receipt.outcome, receipt.reason, found->second.outcome,
                            found->second.reason));
    }
  }
  if (missing > examples_max) {
    check.failures.push_back(fmt::format("... {} receipts differ from the record in all", missing));
  }
}

}  // namespace

RunCheck check_run(const std::vector<LoadReceipt>& receipts, std::string_view tranche_id,
                   std::string_view tranche_json, std::string_view events_jsonl,
                   std::string_view decisions_jsonl) {
  RunCheck check;
  boost::system::error_code error;
  const json::value tranche = json::parse(tranche_json, error);
  if (error || !tranche.is_object()) {
    check.failures.push_back("the tranche's state is not a JSON object");
    return check;
  }
  check.unit = std::string(text_of(tranche.get_object(), "unit"));
  if (const auto* pools = tranche.get_object().if_contains("pools"); pools && pools->is_array()) {
    for (const json::value& pool : pools->get_array()) {
      if (pool.is_object()) check.capacity_units += number_of(pool.get_object(), "capacity");
    }
  }

  // From the events: who each application is, and which records are appeals.
  std::unordered_map<std::string, std::string> participant_of;  // id -> participant HMAC
  std::unordered_map<std::uint64_t, bool> appeal_at;            // seq of each appeal record
  for_each_object(events_jsonl, "events", check.failures, [&](const json::object& event) {
    if (text_of(event, "type") == "appeal") appeal_at[number_of(event, "seq")] = true;
    if (text_of(event, "type") == "submit" && text_of(event, "tranche") == tranche_id) {
      participant_of[std::string(text_of(event, "id"))] =
          std::string(text_of(event, "participant_hmac"));
    }
  });
  // From the decisions: each application's decision at submission (by seq and id), and its
  // latest state (closes and lotteries decide again later).
  std::map<std::pair<std::uint64_t, std::string>, DecidedApplication> at_submission;
  std::unordered_map<std::string, std::pair<DecidedApplication, std::uint64_t>> latest;
  std::unordered_map<std::string, bool> granted_on_appeal;
  for_each_object(decisions_jsonl, "decisions", check.failures, [&](const json::object& line) {
    const std::string id(text_of(line, "id"));
    if (id.empty() || !participant_of.contains(id)) return;  // transfers, other tranches
    const std::uint64_t sequence = number_of(line, "seq");
    DecidedApplication decided{std::string(text_of(line, "outcome")),
                               std::string(text_of(line, "reason"))};
    at_submission.try_emplace({sequence, id}, decided);
    if (appeal_at.contains(sequence)) granted_on_appeal[id] = decided.outcome == "granted";
    latest[id] = {std::move(decided), number_of(line, "granted_cents")};
  });
  if (!check.failures.empty()) return check;

  check_grants(latest, granted_on_appeal, participant_of, check);
  check_receipts(receipts, at_submission, check);
  return check;
}

}  // namespace loket
