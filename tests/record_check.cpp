#include "tests/record_check.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "loadgen/http_fetch.hpp"
#include "loadgen/load_checks.hpp"

namespace loket::testing {

constexpr std::string_view auditor_token = "dev-auditor-token";

// The auditor's GET; status 0 with the reason as its body when there was no answer.
Fetched fetch_or_empty(const HttpTarget& target, const std::string& path) {
  Result<Fetched> fetched = fetch(target, "GET", path, auditor_token);
  if (!fetched.ok()) return Fetched{0, fetched.status().message()};
  return std::move(fetched).value();
}

RecordCheck check_server_record(unsigned short port, const std::vector<TrancheReceipts>& tranches) {
  RecordCheck check;
  const HttpTarget target{"127.0.0.1", port, false, nullptr};
  const Fetched events = fetch_or_empty(target, "/v1/export/events.jsonl");
  const Fetched decisions = fetch_or_empty(target, "/v1/export/decisions.jsonl");
  if (events.status != 200 || decisions.status != 200) {
    check.failures.push_back(fmt::format("cannot read the record: {} {} {}{}", events.status,
                                         decisions.status, events.body.substr(0, 300),
                                         decisions.body.substr(0, 300)));
    return check;
  }
  std::uint64_t expected = 1;
  for (std::size_t start = 0; start < events.body.size();) {
    const std::size_t end = std::min(events.body.find('\n', start), events.body.size());
    const boost::json::value event =
        boost::json::parse(std::string_view(events.body).substr(start, end - start));
    const std::uint64_t sequence = event.as_object().at("seq").to_number<std::uint64_t>();
    if (sequence != expected) {
      check.failures.push_back(fmt::format("sequence {} follows {}", sequence, expected - 1));
      return check;
    }
    ++expected;
    start = end + 1;
  }
  check.records = expected - 1;
  for (const TrancheReceipts& tranche : tranches) {
    const Fetched state =
        fetch_or_empty(target, fmt::format("/v1/tranches/{}", tranche.tranche_id));
    const RunCheck run =
        check_run(tranche.receipts, tranche.tranche_id, state.body, events.body, decisions.body);
    check.failures.insert(check.failures.end(), run.failures.begin(), run.failures.end());
    check.receipts_checked += run.receipts_checked;
  }
  return check;
}

std::optional<LoadReceipt> receipt_of(std::string_view body) {
  boost::system::error_code error;
  const boost::json::value parsed = boost::json::parse(body, error);
  if (error || !parsed.is_object()) return std::nullopt;
  const boost::json::object& receipt = parsed.get_object();
  const auto* sequence = receipt.if_contains("seq");
  const auto* id = receipt.if_contains("id");
  const auto* outcome = receipt.if_contains("outcome");
  const auto* reason = receipt.if_contains("reason");
  if (sequence == nullptr || !sequence->is_number() || id == nullptr || !id->is_string() ||
      outcome == nullptr || !outcome->is_string() || reason == nullptr) {
    return std::nullopt;
  }
  return LoadReceipt{sequence->to_number<std::uint64_t>(), std::string(id->get_string()),
                     std::string(outcome->get_string()),
                     reason->is_string() ? std::string(reason->get_string()) : ""};
}

}  // namespace loket::testing
