#include "tests/csv_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

namespace loket::testing {

JournalRecord& MemoryJournal::add(std::string_view received_at, Command command) {
  JournalRecord& record = records.emplace_back();
  record.sequence = records.size();
  record.received_at = *parse_rfc3339(received_at);
  record.command = std::move(command);
  return record;
}

Scheme two_compartment_scheme() {
  Scheme scheme;
  scheme.id = "s";
  scheme.time_zone = TimeZone::europe_amsterdam;
  Tranche tranche;
  tranche.id = "t";
  tranche.compartments = {Compartment{"small", 50, 1, 100, 50},
                          Compartment{"large", 50, 1, 100, 50}};
  scheme.tranches.push_back(tranche);
  return scheme;
}

std::string export_all(ExportKind kind, const CsvDialect& dialect, const Scheme& scheme,
                       const std::vector<JournalRecord>& records) {
  std::string out = export_header(kind, dialect);
  for (const JournalRecord& record : records) {
    append_export_rows(out, kind, dialect, scheme, record);
  }
  return out;
}

std::vector<std::vector<std::string>> parse_csv(std::string_view text, char separator) {
  std::vector<std::vector<std::string>> records(1);
  std::string cell;
  for (std::size_t at = 0; at < text.size();) {
    if (text[at] == '"') {
      for (++at;; ++at) {
        REQUIRE(at < text.size());
        if (text[at] == '"' && text.substr(at, 2) != "\"\"") break;
        if (text[at] == '"') ++at;
        cell += text[at];
      }
      ++at;
    } else {
      while (at < text.size() && text[at] != separator && text[at] != '\r') {
        REQUIRE(text[at] != '"');
        REQUIRE(text[at] != '\n');
        cell += text[at++];
      }
    }
    REQUIRE(at < text.size());
    records.back().push_back(std::move(cell));
    cell.clear();
    if (text[at] == separator) {
      ++at;
      continue;
    }
    REQUIRE(text.substr(at, 2) == "\r\n");
    at += 2;
    records.emplace_back();
  }
  REQUIRE(records.back().empty());
  records.pop_back();
  return records;
}

std::size_t column_of(const std::vector<std::string>& header, std::string_view name) {
  const auto found = std::find(header.begin(), header.end(), name);
  REQUIRE(found != header.end());
  return static_cast<std::size_t>(found - header.begin());
}

}  // namespace loket::testing
