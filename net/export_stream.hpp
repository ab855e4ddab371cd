// The auditor's export over HTTP: the journal's durable records, verified as they are read
// (the chain, as `loket audit` checks it) and turned into rows one chunk at a time, so that a
// journal of millions of records streams at the client's pace in bounded memory.
#pragma once

#include <optional>
#include <string>

#include "engine/scheme.hpp"
#include "storage/event_parts.hpp"
#include "storage/export_rows.hpp"
#include "storage/journal.hpp"
#include "storage/replay.hpp"

namespace loket {

class ExportStream {
 public:
  // Exports records 1 to through_sequence: the durable ones when the request came, as CSV
  // in the dialect (JSON lines have none). The journal must outlive the stream.
  ExportStream(const Journal& journal, ExportKind kind, const CsvDialect& dialect,
               std::uint64_t through_sequence);

  // Appends the next rows, stopping once out has grown by bytes_max or more; false when
  // there is nothing more (the end, or a problem).
  bool next_chunk(std::string& out, std::size_t bytes_max);
  const std::optional<JournalProblem>& problem() const { return problem_; }
  std::uint64_t records_exported() const { return verifier_.summary().records; }

 private:
  const ExportKind kind_;
  const CsvDialect dialect_;
  const std::uint64_t through_sequence_;
  std::optional<Scheme> scheme_;
  Journal::Cursor cursor_;
  ChainVerifier verifier_;
  JournalRecord record_;
  EventAssembler assembler_;
  RecordSeal seal_;
  bool header_written_ = false;
  std::optional<JournalProblem> problem_;
};

}  // namespace loket
