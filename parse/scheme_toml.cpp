// Reads a scheme from TOML (toml++) and validates it. Every error names the file, the line,
// the key and what is wrong, because a typo in a budget is a policy error, not a parse error.
#include "parse/scheme_toml.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <sstream>

#include "engine/assert.hpp"
#include "engine/limits.hpp"
#include "parse/toml_reader.hpp"

namespace loket {
namespace {

// The scheme's own kinds of value on top of the shared TOML reading (parse/toml_reader.hpp).
class SchemeReader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  const toml::node& required(const toml::table& table, std::string_view path,
                             std::string_view key) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) fail(table, join(path, key), "missing");
    return *node;
  }

  std::string text(const toml::node& node, std::string_view key_path, std::size_t bytes_max) const {
    const auto value = node.value<std::string>();
    if (!node.is_string() || !value) fail(node, key_path, "must be a string");
    if (value->empty()) fail(node, key_path, "must not be empty");
    if (value->size() > bytes_max) {
      fail(node, key_path, fmt::format("must be at most {} bytes", bytes_max));
    }
    return *value;
  }

  std::string identifier(const toml::node& node, std::string_view key_path) const {
    std::string value = text(node, key_path, limits::identifier_bytes_max);
    const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
    });
    if (!plain) fail(node, key_path, "may contain only letters, digits, '-', '_' and '.'");
    return value;
  }

  std::int64_t integer(const toml::node& node, std::string_view key_path, std::int64_t min,
                       std::int64_t max) const {
    if (!node.is_integer()) fail(node, key_path, "must be an integer");
    const std::int64_t value = node.as_integer()->get();
    if (value < min || value > max) {
      fail(node, key_path, fmt::format("must be between {} and {}, got {}", min, max, value));
    }
    return value;
  }

  bool boolean(const toml::node& node, std::string_view key_path) const {
    if (!node.is_boolean()) fail(node, key_path, "must be true or false");
    return node.as_boolean()->get();
  }

  template <typename Enum>
  Enum choice(const toml::node& node, std::string_view key_path,
              std::initializer_list<std::pair<std::string_view, Enum>> options) const {
    const auto value = node.value<std::string>();
    std::string listed;
    for (const auto& [name, option] : options) {
      if (value && *value == name) return option;
      listed += fmt::format("{}\"{}\"", listed.empty() ? "" : ", ", name);
    }
    fail(node, key_path, fmt::format("must be one of {}", listed));
  }

  // Accepts a TOML offset date-time or an RFC 3339 string; a local time without offset is
  // ambiguous around DST changes and refused.
  // A TOML date-time is read back as its RFC 3339 text, so that both forms pass the same
  // checks (the years 1900-2200 among them: a fuzzed year 3009 overflowed the nanoseconds).
  TimestampNs instant(const toml::node& node, std::string_view key_path) const {
    std::optional<std::string> text = node.value<std::string>();
    if (node.is_date_time()) {
      if (!node.as_date_time()->get().offset) {
        fail(node, key_path, "needs a UTC offset (Z or +01:00)");
      }
      std::ostringstream printed;
      printed << node.as_date_time()->get();
      text = printed.str();
    }
    const auto parsed = text ? parse_rfc3339(*text) : std::nullopt;
    if (!parsed) {
      fail(node, key_path, "must be an RFC 3339 date-time with offset, in the years 1900-2200");
    }
    return *parsed;
  }
};

void read_scheme_table(const SchemeReader& reader, const toml::table& table, Scheme& scheme) {
  reader.check_keys(table, "scheme",
                    {"id", "name", "description", "timezone", "unique_participant",
                     "requires_partnership", "cofinancing_percent", "unit_subsidy_cents"});
  scheme.id = reader.identifier(reader.required(table, "scheme", "id"), "scheme.id");
  scheme.name = reader.text(reader.required(table, "scheme", "name"), "scheme.name", 256);
  if (const toml::node* node = table.get("timezone")) {
    const auto zone = time_zone_from_string(node->value<std::string>().value_or(""));
    if (!zone) reader.fail(*node, "scheme.timezone", "must be \"Europe/Amsterdam\" or \"UTC\"");
    scheme.time_zone = *zone;
  }
  scheme.unique_participant = reader.choice<UniqueScope>(
      reader.required(table, "scheme", "unique_participant"), "scheme.unique_participant",
      {{"scheme", UniqueScope::scheme}, {"tranche", UniqueScope::tranche}});
  if (const toml::node* node = table.get("requires_partnership")) {
    scheme.requires_partnership = reader.boolean(*node, "scheme.requires_partnership");
  }
  if (const toml::node* node = table.get("cofinancing_percent")) {
    scheme.cofinancing_percent =
        static_cast<std::int32_t>(reader.integer(*node, "scheme.cofinancing_percent", 0, 99));
  }
  if (const toml::node* node = table.get("unit_subsidy_cents")) {
    const toml::table* prices = node->as_table();
    if (prices == nullptr) reader.fail(*node, "scheme.unit_subsidy_cents", "must be a table");
    reader.check_keys(*prices, "scheme.unit_subsidy_cents",
                      {"A", "B_light", "B_heavy", "C1", "C2", "C3", "D"});
    for (std::size_t index = 0; index < activity_count; ++index) {
      if (const toml::node* price = prices->get(activity_names[index])) {
        scheme.unit_subsidy_cents[index] = reader.integer(
            *price, SchemeReader::join("scheme.unit_subsidy_cents", activity_names[index]), 1,
            limits::unit_subsidy_cents_max);
      }
    }
  }
}

void read_compartments(const SchemeReader& reader, const toml::node& node, const std::string& path,
                       Tranche& tranche) {
  const toml::array* array = node.as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    reader.fail(node, path + ".compartment", "must be an array of tables [[tranche.compartment]]");
  }
  if (array->empty() || array->size() > limits::compartments_per_tranche_max) {
    reader.fail(node, path + ".compartment",
                fmt::format("needs 1 to {} compartments", limits::compartments_per_tranche_max));
  }
  std::vector<std::int32_t> shares;
  std::set<std::string> ids;
  for (std::size_t index = 0; index < array->size(); ++index) {
    const toml::table& table = *array->get(index)->as_table();
    const std::string item = fmt::format("{}.compartment[{}]", path, index + 1);
    reader.check_keys(table, item,
                      {"id", "share_percent", "min_cents", "max_cents", "description"});
    Compartment compartment;
    compartment.id = reader.identifier(reader.required(table, item, "id"), item + ".id");
    if (!ids.insert(compartment.id).second) {
      reader.fail(*table.get("id"), item + ".id",
                  fmt::format("\"{}\" is used twice", compartment.id));
    }
    compartment.share_percent = static_cast<std::int32_t>(reader.integer(
        reader.required(table, item, "share_percent"), item + ".share_percent", 1, 100));
    compartment.min_cents = reader.integer(reader.required(table, item, "min_cents"),
                                           item + ".min_cents", 1, limits::amount_cents_max);
    compartment.max_cents =
        reader.integer(reader.required(table, item, "max_cents"), item + ".max_cents",
                       compartment.min_cents, limits::amount_cents_max);
    shares.push_back(compartment.share_percent);
    tranche.compartments.push_back(std::move(compartment));
  }
  if (std::accumulate(shares.begin(), shares.end(), 0) != 100) {
    reader.fail(node, path + ".compartment", "share_percent values must add up to 100");
  }
  // Bands may touch (one's max is the next one's min, R6) but never overlap.
  std::vector<const Compartment*> by_min;
  for (const auto& compartment : tranche.compartments) by_min.push_back(&compartment);
  std::sort(by_min.begin(), by_min.end(),
            [](const Compartment* a, const Compartment* b) { return a->min_cents < b->min_cents; });
  for (std::size_t index = 1; index < by_min.size(); ++index) {
    if (by_min[index]->min_cents < by_min[index - 1]->max_cents) {
      reader.fail(node, path + ".compartment",
                  fmt::format("bands of \"{}\" and \"{}\" overlap", by_min[index - 1]->id,
                              by_min[index]->id));
    }
  }
}

void read_money(const SchemeReader& reader, const toml::table& table, const std::string& path,
                Tranche& tranche) {
  tranche.budget_cents = reader.integer(*table.get("budget_cents"), path + ".budget_cents", 1,
                                        limits::amount_cents_max);
  tranche.fit =
      reader.choice<Fit>(reader.required(table, path, "fit"), path + ".fit",
                         {{"partial", Fit::partial}, {"skip", Fit::skip}, {"block", Fit::block}});
  tranche.spillover =
      reader.choice<Spillover>(reader.required(table, path, "spillover"), path + ".spillover",
                               {{"at_close", Spillover::at_close}, {"none", Spillover::none}});
  if (const toml::node* node = table.get("compartment")) {
    read_compartments(reader, *node, path, tranche);
  } else {
    tranche.compartments.push_back(
        Compartment{"", 100, 1, limits::amount_cents_max, tranche.budget_cents});
  }
  const std::vector<std::int64_t> budgets = split_over_compartments(tranche, tranche.budget_cents);
  for (std::size_t index = 0; index < budgets.size(); ++index) {
    tranche.compartments[index].budget_cents = budgets[index];
  }
}

Tranche read_tranche(const SchemeReader& reader, const toml::table& table, std::size_t number) {
  const std::string path = fmt::format("tranche[{}]", number);
  reader.check_keys(table, path,
                    {"id", "description", "opens_at", "closes_at", "places", "budget_cents",
                     "ranking", "fit", "spillover", "compartment", "carry_over_to"});
  Tranche tranche;
  tranche.id = reader.identifier(reader.required(table, path, "id"), path + ".id");
  tranche.opens_at = reader.instant(reader.required(table, path, "opens_at"), path + ".opens_at");
  tranche.closes_at =
      reader.instant(reader.required(table, path, "closes_at"), path + ".closes_at");
  if (tranche.closes_at <= tranche.opens_at) {
    reader.fail(*table.get("closes_at"), path + ".closes_at", "must be later than opens_at");
  }
  tranche.ranking =
      reader.choice<Ranking>(reader.required(table, path, "ranking"), path + ".ranking",
                             {{"arrival", Ranking::arrival},
                              {"same_day_lottery", Ranking::same_day_lottery},
                              {"window_lottery", Ranking::window_lottery}});
  const bool has_places = table.contains("places");
  if (has_places == table.contains("budget_cents")) {
    reader.fail(table, path, "needs exactly one of places and budget_cents");
  }
  if (has_places) {
    for (const char* money_key : {"fit", "spillover", "compartment"}) {
      if (const toml::node* node = table.get(money_key)) {
        reader.fail(*node, SchemeReader::join(path, money_key),
                    "applies only to a money tranche (budget_cents); a place is indivisible");
      }
    }
    tranche.counts_places = true;
    tranche.places = reader.integer(*table.get("places"), path + ".places", 1, limits::places_max);
  } else {
    read_money(reader, table, path, tranche);
  }
  return tranche;
}

// R11: resolved once every tranche is known, since a tranche names a later one.
void read_carry_over(const SchemeReader& reader, const toml::table& table, std::size_t index,
                     Scheme& scheme) {
  const toml::node* node = table.get("carry_over_to");
  if (node == nullptr) return;
  const std::string key_path = fmt::format("tranche[{}].carry_over_to", index + 1);
  const std::string target_id = reader.identifier(*node, key_path);
  const Tranche& source = scheme.tranches[index];
  const std::optional<std::size_t> target = scheme.find_tranche(target_id);
  if (!target) {
    reader.fail(*node, key_path, fmt::format("names no tranche of this scheme: \"{}\"", target_id));
  }
  const Tranche& receiver = scheme.tranches[*target];
  if (*target == index) reader.fail(*node, key_path, "names the tranche itself");
  if (receiver.counts_places != source.counts_places) {
    reader.fail(*node, key_path,
                fmt::format("\"{}\" counts {} and this tranche {}: only the same kind carries over",
                            target_id, receiver.counts_places ? "places" : "money",
                            source.counts_places ? "places" : "money"));
  }
  if (receiver.opens_at < source.closes_at) {
    reader.fail(*node, key_path,
                fmt::format("\"{}\" opens before this tranche closes; it must open at or after {}",
                            target_id, format_rfc3339(source.closes_at)));
  }
  scheme.tranches[index].carry_over_to = *target;
}

Scheme read_scheme(const SchemeReader& reader, const toml::table& root) {
  reader.check_keys(root, "", {"scheme", "tranche"});
  Scheme scheme;
  const toml::table* scheme_table = reader.required(root, "", "scheme").as_table();
  if (scheme_table == nullptr) reader.fail(root, "scheme", "must be a table [scheme]");
  read_scheme_table(reader, *scheme_table, scheme);

  const toml::array* tranches = reader.required(root, "", "tranche").as_array();
  if (tranches == nullptr || !tranches->is_array_of_tables() || tranches->empty()) {
    reader.fail(root, "tranche", "needs at least one [[tranche]] table");
  }
  if (tranches->size() > limits::tranches_max) {
    reader.fail(root, "tranche", fmt::format("at most {} tranches", limits::tranches_max));
  }
  for (std::size_t index = 0; index < tranches->size(); ++index) {
    const toml::table& table = *tranches->get(index)->as_table();
    Tranche tranche = read_tranche(reader, table, index + 1);
    if (scheme.find_tranche(tranche.id)) {
      reader.fail(*table.get("id"), fmt::format("tranche[{}].id", index + 1),
                  fmt::format("\"{}\" is used twice", tranche.id));
    }
    scheme.tranches.push_back(std::move(tranche));
  }
  for (std::size_t index = 0; index < tranches->size(); ++index) {
    read_carry_over(reader, *tranches->get(index)->as_table(), index, scheme);
  }
  return scheme;
}

}  // namespace

Result<Scheme> parse_scheme(std::string_view toml_text, std::string_view source_name) {
  if (toml_text.size() > limits::scheme_file_bytes_max) {
    return Status::invalid_argument(
        fmt::format("{}: larger than {} bytes", source_name, limits::scheme_file_bytes_max));
  }
  return read_toml_file<SchemeReader>(toml_text, source_name,
                                      [](const SchemeReader& reader, const toml::table& root) {
                                        Scheme scheme = read_scheme(reader, root);
                                        LOKET_ASSERT(!scheme.tranches.empty());
                                        return scheme;
                                      });
}

}  // namespace loket
