#include "net/export_stream.hpp"

#include "parse/scheme_toml.hpp"

namespace loket {

ExportStream::ExportStream(const Journal& journal, ExportKind kind, const CsvDialect& dialect,
                           std::uint64_t through_sequence)
    : kind_(kind),
      dialect_(dialect),
      through_sequence_(through_sequence),
      cursor_(journal.records(1)),
      verifier_(journal.scheme_text()) {
  Result<Scheme> parsed = parse_scheme(journal.scheme_text(), "journal header");
  if (parsed.ok()) {
    scheme_ = std::move(parsed).value();
  } else {
    problem_ = JournalProblem{0, parsed.status().message(), {}, {}};
  }
}

bool ExportStream::next_chunk(std::string& out, std::size_t bytes_max) {
  if (problem_) return false;
  const std::size_t start_bytes = out.size();
  if (!header_written_) {
    out += export_header(kind_, dialect_);
    header_written_ = true;
  }
  for (; cursor_.valid() && out.size() - start_bytes < bytes_max; cursor_.next()) {
    const std::uint64_t sequence = cursor_.sequence();
    if (sequence > through_sequence_) break;
    problem_ = verifier_.check(cursor_.key(), cursor_.bytes(), seal_);
    const JournalRecord* event = nullptr;
    if (!problem_) {
      std::string damage = decode_record_fields(cursor_.bytes(), record_).message();
      if (damage.empty()) event = assembler_.add(record_, cursor_.bytes(), damage);
      if (!damage.empty()) problem_ = JournalProblem{sequence, std::move(damage), {}, {}};
    }
    if (problem_) return false;
    verifier_.accept(seal_);
    if (event != nullptr) append_export_rows(out, kind_, dialect_, *scheme_, *event);
  }
  if (!cursor_.valid() && !cursor_.status().is_ok()) {
    problem_ = JournalProblem{
        verifier_.summary().last_sequence + 1, "read error: " + cursor_.status().message(), {}, {}};
    return false;
  }
  if (problem_ == std::nullopt && !cursor_.valid()) problem_ = verifier_.check_end();
  if (problem_) return false;
  if (verifier_.summary().last_sequence < through_sequence_ &&
      (!cursor_.valid() || cursor_.sequence() > through_sequence_)) {
    // The records up to through_sequence were durable when the request came: one missing
    // is damage, not the end.
    problem_ = JournalProblem{verifier_.summary().last_sequence + 1, "record missing", {}, {}};
    return false;
  }
  return out.size() > start_bytes;
}

}  // namespace loket
