#include "tests/simulation_workload.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "engine/civil_time.hpp"
#include "engine/limits.hpp"

namespace loket::testing {
namespace {

constexpr std::int64_t opens_at_ns = 1'614'585'600'000'000'000;  // as in tests/scenario.cpp
constexpr std::int64_t window_ns = 10LL * 86'400 * 1'000'000'000;
constexpr std::int64_t hour_ns = 3'600'000'000'000;
constexpr std::int64_t day_ns = 24 * hour_ns;
// In a record each application decision costs 15 bytes besides its id, and a draw decides a
// pending application up to twice (waitlisted, then rejected). With the record limit avoided,
// no lottery tranche gets more submissions than 14 of the 16 MiB can carry.
constexpr std::size_t decision_fixed_bytes = 15;
constexpr std::size_t decisions_per_draw_max = 2;
constexpr std::size_t close_bytes_avoided_max = std::size_t{14} << 20;
constexpr std::string_view four_byte_character = "\xF0\x9F\x98\x80";  // U+1F600

std::string repeated(std::string_view unit, std::size_t count) {
  std::string text;
  for (std::size_t index = 0; index < count; ++index) text += unit;
  return text;
}

// `length` bytes of characters an id may hold, unique by `number` (for length >= 8).
std::string id_of_length(std::uint64_t number, std::size_t length) {
  std::string id = fmt::format("L{}-", number);
  id.resize(length, 'x');
  return id;
}

class Generator {
 public:
  Generator(std::uint64_t seed, const WorkloadOptions& options)
      : random_(seed), options_(options) {}

  Workload run() {
    const bool wants_crowd = options_.pending_max > 0 && one_in(4);
    choose_scheme(wants_crowd);
    const auto events = static_cast<std::size_t>(pick(1, to_signed(options_.events_max)));
    participants_ = pick(1, to_signed(events) + 1);
    step_max_ = std::max<std::int64_t>(1, 2 * (window_ns + 2 * hour_ns) / to_signed(events));
    events_ = events;
    // The crowd comes while the window is still open; now and then an operator closes a
    // tranche early (never the crowd's before its draw).
    const std::size_t crowd_at = crowd_tranche_ ? index_below(events * 3 / 4 + 1) : events;
    const std::size_t early_close_at = one_in(3) ? index_below(events) : events;
    for (std::size_t index = 0; index < events; ++index) {
      if (index == crowd_at) crowd(*crowd_tranche_);
      if (index == early_close_at) close_early();
      advance();
      one_event();
    }
    now_ = std::max(now_, opens_at_ns + window_ns) + pick(0, hour_ns);
    for (std::size_t tranche = 0; tranche < tranches().size(); ++tranche) close(tranche, true);
    return std::move(workload_);
  }

 private:
  static std::int64_t to_signed(std::size_t value) { return static_cast<std::int64_t>(value); }
  std::int64_t pick(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random_);
  }
  bool one_in(std::int64_t count) { return pick(1, count) == 1; }
  std::size_t index_below(std::size_t count) {
    return static_cast<std::size_t>(pick(0, to_signed(count) - 1));
  }
  template <typename Item>
  const Item& any_of(const std::vector<Item>& items) {
    return items[index_below(items.size())];
  }
  const std::vector<ScenarioTranche>& tranches() const { return workload_.scenario.tranches; }
  std::string stamp() const { return format_rfc3339(now_); }
  void add(std::string json, bool bad_line = false) {
    workload_.events.push_back({std::move(json), bad_line});
  }

  void choose_scheme(bool wants_crowd) {
    for (int attempt = 0; attempt < 20; ++attempt) {
      workload_.scenario = random_scenario(
          random_,
          ScenarioOptions{.with_appeals = true, .submissions_max = 1, .windows_percent = 30});
      for (std::size_t index = 0; index < tranches().size(); ++index) {
        if (tranches()[index].ranking != "arrival") crowd_tranche_ = index;
      }
      if (!wants_crowd || crowd_tranche_) break;
    }
    if (!wants_crowd) crowd_tranche_.reset();
    close_bytes_.assign(tranches().size(), 0);
  }

  // Small steps that span the window, and about three long pauses a run, however long it is.
  void advance() {
    now_ += pick(1, to_signed(events_)) <= 3 ? pick(0, day_ns) : pick(0, step_max_);
  }

  void close_early() {
    const std::size_t tranche = index_below(tranches().size());
    if (tranche != crowd_tranche_) close(tranche, false);
  }

  void one_event() {
    const std::int64_t kind = pick(0, 999);
    if (kind < 800) return submit();
    if (kind < 830) return retry();
    if (kind < 870) return appeal();
    if (kind < 900) return close_day();
    if (kind == 999 && !options_.avoids(KnownBug::export_line_limit)) return longest_line();
    return bad_line();
  }

  // Under the avoided record limit, a lottery tranche takes only what its close can carry.
  bool room_for_pending(std::size_t tranche, std::size_t id_bytes) {
    if (tranches()[tranche].ranking == "arrival") return true;
    const std::size_t bytes =
        close_bytes_[tranche] + decisions_per_draw_max * (decision_fixed_bytes + id_bytes);
    if (options_.avoids(KnownBug::close_record_limit) && bytes > close_bytes_avoided_max) {
      return false;
    }
    close_bytes_[tranche] = bytes;
    return true;
  }

  std::size_t id_bytes_max() const {
    return limits::application_id_bytes_max - (options_.avoids(KnownBug::id_64_bytes) ? 1 : 0);
  }

  // A crowd: many valid submissions in one rush, all waiting for one draw. Their ids are long
  // unless the record limit is avoided: then short ids let a crowd be larger.
  void crowd(std::size_t tranche) {
    const bool short_ids = options_.avoids(KnownBug::close_record_limit);
    const std::int64_t id_bytes_low = short_ids ? 12 : 48;
    const std::int64_t id_bytes_high = short_ids ? 24 : to_signed(id_bytes_max());
    const ScenarioTranche& target = tranches()[tranche];
    now_ = std::max(now_, opens_at_ns + pick(0, window_ns / 2));
    const auto count = one_in(2)
                           ? options_.pending_max
                           : static_cast<std::size_t>(pick(1, to_signed(options_.pending_max)));
    for (std::size_t index = 0; index < count; ++index) {
      const std::string id =
          id_of_length(++serial_, static_cast<std::size_t>(pick(id_bytes_low, id_bytes_high)));
      if (!room_for_pending(tranche, id.size())) break;
      std::string amount;
      if (!target.counts_places) {
        amount = fmt::format(",\"amount_cents\":{}",
                             pick(target.band_edges.front(), target.band_edges.back()));
      }
      now_ += 1'000;
      add(fmt::format(
          R"({{"type":"submit","received_at":"{}","tranche":"{}","id":"{}","participant":"c{}"{}}})",
          stamp(), target.id, id, serial_, amount));
      sent_ids_.push_back({tranche, id});
      ++workload_.crowd;
    }
  }

  void submit() {
    const std::size_t tranche = index_below(tranches().size());
    const bool known = !one_in(30);
    std::string fields = known ? fmt::format(",\"tranche\":\"{}\"", tranches()[tranche].id)
                               : unknown_tranche_field();
    std::string id;
    fields += id_field(id);
    if (known && !room_for_pending(tranche, id.size())) return;
    fields += participant_field();
    const ScenarioTranche* target = known ? &tranches()[tranche] : nullptr;
    if (one_in(12)) {
      fields += fmt::format(",\"amount_cents\":{}", amount_edge(target));
    } else if (target && !target->counts_places) {
      fields += fmt::format(",\"amount_cents\":{}",
                            pick(target->band_edges.front(), target->band_edges.back()));
    }
    fields += extra_fields();
    if (known && !id.empty()) sent_ids_.push_back({tranche, id});
    submits_.push_back(fields);
    add(fmt::format(R"({{"type":"submit","received_at":"{}"{}}})", stamp(), fields));
  }

  // A client's retry: the same submission again, later.
  void retry() {
    if (submits_.empty()) return submit();
    add(fmt::format(R"({{"type":"submit","received_at":"{}"{}}})", stamp(), any_of(submits_)));
  }

  std::string unknown_tranche_field() {
    const std::vector<std::string> unknown = {
        R"(,"tranche":"nope")",
        R"(,"tranche":"")",
        R"(,"tranche":7)",
        "",
        fmt::format(",\"tranche\":\"{}\"", repeated("u", limits::identifier_bytes_max)),
        fmt::format(",\"tranche\":\"t{}\"", four_byte_character)};
    return any_of(unknown);
  }

  std::string id_field(std::string& id) {
    const std::int64_t kind = pick(0, 99);
    if (kind < 86) {
      id = fmt::format("A-{}", ++serial_);
    } else if (kind < 96) {
      const std::vector<std::size_t> lengths = {1, 63, id_bytes_max(), 65};
      const std::size_t length = any_of(lengths);
      id =
          length == 1 ? std::string(1, "aZ9._:-"[index_below(7)]) : id_of_length(++serial_, length);
    } else if (kind < 98) {
      id = fmt::format("{}-{}", kind == 96 ? "A B" : "\xC3\x84", ++serial_);  // a space; an Ä
    } else {
      const std::vector<std::string> other = {"", R"(,"id":"")", R"(,"id":false)", R"(,"id":17)"};
      return any_of(other);
    }
    return fmt::format(",\"id\":\"{}\"", id);
  }

  std::string participant_field() {
    const std::int64_t kind = pick(0, 99);
    if (kind < 88) return fmt::format(",\"participant\":\"p{}\"", pick(1, participants_));
    const std::size_t longest = limits::participant_bytes_max;
    const std::vector<std::string> edges = {
        "",
        R"(,"participant":"")",
        R"(,"participant":7)",
        fmt::format(",\"participant\":\"{}\"", repeated("a", longest)),
        fmt::format(",\"participant\":\"{}\"", repeated("a", longest + 1)),
        fmt::format(",\"participant\":\"{}\"", repeated(four_byte_character, longest / 4)),
        fmt::format(",\"participant\":\"a{}\"", repeated(four_byte_character, longest / 4)),
        fmt::format(",\"participant_hmac\":\"{:064x}\"", pick(1, participants_)),
        R"(,"participant_hmac":"zz")",
        fmt::format(",\"participant_hmac\":\"{:062x}\"", pick(1, participants_)),
        R"(,"participant":"p1","participant_hmac":")" + repeated("ab", 32) + "\""};
    return any_of(edges);
  }

  std::string amount_edge(const ScenarioTranche* tranche) {
    constexpr std::int64_t most = limits::amount_cents_max;
    std::vector<std::string> edges = {"0",
                                      "1",
                                      "-1",
                                      fmt::format("{}", most - 1),
                                      fmt::format("{}", most),
                                      fmt::format("{}", most + 1),
                                      fmt::format("{}", INT64_MAX),
                                      "9223372036854775808",
                                      "-9223372036854775809",
                                      "1.5",
                                      "1e3",
                                      "\"100\"",
                                      "null"};
    if (!options_.avoids(KnownBug::csv_int64_min)) edges.push_back(fmt::format("{}", INT64_MIN));
    if (tranche) {
      for (const std::int64_t edge : tranche->band_edges) {
        for (const std::int64_t near : {edge - 1, edge, edge + 1}) {
          edges.push_back(fmt::format("{}", near));
        }
      }
    }
    return any_of(edges);
  }

  std::string extra_fields() {
    std::string fields;
    if (one_in(30)) {
      const std::vector<std::string> activities = {
          R"({"A":1})",       R"({"C3":0})", R"({"D":-1})",  R"({"A":1000000})",
          R"({"A":1000001})", R"({"Z":1})",  R"({"A":"x"})", "[]"};
      fields += ",\"activities\":" + any_of(activities);
    }
    if (one_in(30)) fields += ",\"declared_value_cents\":" + amount_edge(nullptr);
    if (one_in(30)) {
      const std::vector<std::string> partnerships = {
          R"({"employer_org":true,"employee_org":true})", R"({"stvda_advice":false})",
          R"({"employer_org":1})", R"({"union":true})", R"("yes")"};
      fields += ",\"partnership\":" + any_of(partnerships);
    }
    if (one_in(20)) {
      const std::vector<std::string> monitoring = {
          R"({"education":"mbo2"})",
          fmt::format(R"({{"naam":"\u00c6r\u00f8 {}","leeftijd":[55,{{"a":null}}]}})",
                      four_byte_character),
          fmt::format(R"({{"k":"{}"}})", repeated("x", limits::monitoring_bytes_max - 8))};
      fields += ",\"monitoring\":" + any_of(monitoring);
    }
    return fields;
  }

  std::string seed_field() {
    const std::int64_t kind = pick(0, 9);
    if (kind == 0) return "";
    if (kind == 1) return fmt::format(",\"seed\":\"{}\"", repeated("a5", limits::seed_bytes_max));
    return fmt::format(",\"seed\":\"{:016x}\"", random_());
  }

  void close_day() {
    const std::size_t tranche = index_below(tranches().size());
    const LocalDate today = local_date(now_, TimeZone::europe_amsterdam);
    const std::vector<LocalDate> dates = {today - 1, today - 1, today, today - 3, today + 1};
    add(fmt::format(R"({{"type":"close_day","received_at":"{}","tranche":"{}","date":"{}"{}}})",
                    stamp(), tranches()[tranche].id, format_date(any_of(dates)), seed_field()));
  }

  void close(std::size_t tranche, bool final) {
    const std::string seed = final ? fmt::format(",\"seed\":\"{:016x}\"", random_()) : seed_field();
    add(fmt::format(R"({{"type":"close","received_at":"{}","tranche":"{}"{}}})", stamp(),
                    tranches()[tranche].id, seed));
  }

  void appeal() {
    if (sent_ids_.empty()) return submit();
    if (!options_.avoids(KnownBug::repeated_appeal) && !appeals_.empty() && one_in(3)) {
      // The same appeal again, as a client whose answer was lost would send it.
      add(fmt::format(R"({{"type":"appeal","received_at":"{}"{}}})", stamp(), any_of(appeals_)));
      return;
    }
    const Sent& target = any_of(sent_ids_);
    const std::size_t tranche = one_in(10) ? index_below(tranches().size()) : target.tranche;
    const std::string id = one_in(10) ? fmt::format("nope-{}", ++serial_) : target.id;
    std::string amount;
    if (tranches()[tranche].counts_places) {
      const std::vector<std::string> amounts = {"", "", "", R"(,"amount_cents":0)",
                                                R"(,"amount_cents":5)"};
      amount = any_of(amounts);
    } else {
      const std::vector<std::int64_t> edges = {0,
                                               -1,
                                               limits::amount_cents_max,
                                               INT64_MAX,
                                               INT64_MIN,
                                               pick(1, 500),
                                               pick(1, 500),
                                               pick(1, 500)};
      amount = fmt::format(",\"amount_cents\":{}", any_of(edges));
    }
    const std::vector<std::string> references = {
        fmt::format("R-{}", ++serial_), fmt::format("R-{}", serial_), "",
        id_of_length(serial_, limits::appeal_reference_bytes_max),
        repeated(four_byte_character, limits::appeal_reference_bytes_max / 4)};
    std::string reference = any_of(references);
    const std::string key = fmt::format("{}\n{}\n{}", tranches()[tranche].id, id, reference);
    if (!appeal_keys_.insert(key).second) reference = fmt::format("R-{}", ++serial_);
    const std::string body = fmt::format(R"(,"tranche":"{}","id":"{}"{},"reference":"{}")",
                                         tranches()[tranche].id, id, amount, reference);
    appeals_.push_back(body);
    add(fmt::format(R"({{"type":"appeal","received_at":"{}"{}}})", stamp(), body));
  }

  // A submission as long as an event line may be once numbered: an id far over its limit,
  // which is still an event (rejected `invalid`), journaled and exported.
  void longest_line() {
    constexpr std::size_t sequence_bytes_max = 28;  // "seq":N, with N up to 20 digits
    const std::string head = fmt::format(
        R"({{"type":"submit","received_at":"{}","tranche":"{}","participant":"p1","id":")", stamp(),
        tranches().front().id);
    const std::size_t id_bytes =
        limits::event_line_bytes_max - sequence_bytes_max - head.size() - 2;
    add(head + std::string(id_bytes, 'i') + "\"}");
  }

  // Lines the event parser must refuse as a whole.
  void bad_line() {
    const std::string at = stamp();
    const std::string tranche = tranches().front().id;
    const std::vector<std::string> lines = {
        "not json",
        "[]",
        fmt::format(R"({{"type":"submit","received_at":"{}","tranche":"{}","bogus":1}})", at,
                    tranche),
        fmt::format(R"({{"type":"teleport","received_at":"{}"}})", at),
        fmt::format(R"({{"type":"close","received_at":"{}"}})", at),
        fmt::format(R"({{"type":"submit","received_at":"yesterday","tranche":"{}"}})", tranche),
        fmt::format(R"({{"type":"submit","type":"submit","received_at":"{}"}})", at),
        fmt::format(R"({{"type":"submit","received_at":"{}","monitoring":{{"k":"{}"}}}})", at,
                    repeated("x", limits::monitoring_bytes_max - 7)),
        fmt::format(R"({{"type":"submit","received_at":"{}","monitoring":[1]}})", at),
        fmt::format(
            R"({{"type":"appeal","received_at":"{}","tranche":"{}","id":"A-1","reference":"{}"}})",
            at, tranche, repeated("r", limits::appeal_reference_bytes_max + 1)),
        fmt::format(R"({{"type":"close","received_at":"{}","tranche":"{}","seed":"{}"}})", at,
                    tranche, repeated("a5", limits::seed_bytes_max + 1)),
        fmt::format(R"({{"type":"close","received_at":"{}","tranche":"{}","seed":"zz"}})", at,
                    tranche),
        fmt::format(
            R"({{"type":"close_day","received_at":"{}","tranche":"{}","date":"2021-02-30"}})", at,
            tranche)};
    add(any_of(lines), true);
  }

  struct Sent {
    std::size_t tranche;
    std::string id;
  };

  std::mt19937_64 random_;
  const WorkloadOptions& options_;
  Workload workload_;
  std::optional<std::size_t> crowd_tranche_;
  std::int64_t now_ = opens_at_ns - hour_ns;
  std::size_t events_ = 1;
  std::int64_t step_max_ = 1;
  std::int64_t participants_ = 1;
  std::uint64_t serial_ = 0;
  std::vector<Sent> sent_ids_;
  std::vector<std::string> submits_;  // fields after received_at, for retries
  std::vector<std::string> appeals_;  // likewise
  std::set<std::string> appeal_keys_;
  std::vector<std::size_t> close_bytes_;  // per tranche: what its draws may have to record
};

}  // namespace

std::optional<KnownBug> known_bug_from_name(std::string_view name) {
  const auto found = std::find(known_bug_names.begin(), known_bug_names.end(), name);
  if (found == known_bug_names.end()) return std::nullopt;
  return static_cast<KnownBug>(found - known_bug_names.begin());
}

Workload generate_workload(std::uint64_t seed, const WorkloadOptions& options) {
  return Generator(seed, options).run();
}

}  // namespace loket::testing
