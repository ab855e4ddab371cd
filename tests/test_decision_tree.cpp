// The journal's decision tree, kept by the Sequencer and rebuilt by recovery: every leaf is
// the decisions export's line at that position, receipts and queries name the right leaf, and
// a restart continues the same tree.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/local_log.hpp"
#include "core/recovery.hpp"
#include "core/sequencer.hpp"
#include "storage/export_rows.hpp"
#include "tests/harness.hpp"
#include "tests/journal_fixture.hpp"

namespace loket {
using testing::scheme_from_toml;

namespace {

const std::string lottery_scheme = testing::window_lottery_scheme(100);

constexpr TimestampNs opened_at_ns = 1'606'813'200'000'000'000;  // 2020-12-01T09:00:00Z

// The decisions export of the journal in `directory`, one line per element, no newlines.
std::vector<std::string> exported_decisions(const Journal& journal) {
  const Scheme scheme = scheme_from_toml(lottery_scheme);
  std::string text;
  const JournalSummary summary = verify_records(journal, [&](const JournalRecord& record) {
    append_export_rows(text, ExportKind::decisions_jsonl, rfc4180_dialect, scheme, record);
    return true;
  });
  REQUIRE_FALSE(summary.problem);
  return testing::lines_of(text);
}

MerkleHash root_of(const std::vector<std::string>& lines) {
  MerkleTree tree;
  for (const auto& line : lines) tree.append_leaf(line);
  return tree.root(tree.size());
}

// The index of the last line that decides `id`.
std::uint64_t last_line_of(const std::vector<std::string>& lines, const std::string& id) {
  const std::string member = fmt::format(R"("id":"{}")", id);
  for (std::size_t index = lines.size(); index-- > 0;) {
    if (lines[index].find(member) != std::string::npos) return index;
  }
  FAIL("no decision for " << id);
  return 0;
}

}  // namespace

TEST_CASE("decision tree: leaves are the decisions export's lines, across a restart",
          "[unit][proof]") {
  testing::TempFolder folder("decision-tree");
  const std::string directory = folder.path("journal");
  const std::string& scheme_text = lottery_scheme;
  std::vector<std::string> ids;
  std::uint64_t leaves = 0;
  {
    JournalOpenResult opened = Journal::open(directory, JournalOptions{scheme_text});
    REQUIRE(opened.ok());
    Sequencer sequencer(
        std::make_unique<Allocator>(scheme_from_toml(lottery_scheme)),
        std::make_unique<LocalLog>(*opened->journal, GroupCommitLimits{}, nullptr, 0),
        new_journal_summary(scheme_text));
    for (std::size_t number = 1; number <= 250; ++number) {
      // Every tenth carries no id: an invalid decision with a null id is a leaf too.
      ids.push_back(number % 10 == 0 ? "" : fmt::format("A-{}", number));
      SubmitCommand submit;
      submit.tranche_id = "w";
      submit.application_id = ids.back();
      submit.participant =
          participant_key(std::vector<std::uint8_t>{'k'}, fmt::format("{}", number));
      const Applied applied =
          sequencer.apply(submit, opened_at_ns + static_cast<TimestampNs>(number));
      REQUIRE(applied.refusal == Refusal::none);
      REQUIRE(applied.first_leaf_index == leaves);
      leaves += applied.decisions.size();
    }
    const std::vector<std::uint8_t> seed{7};
    const Applied close =
        sequencer.apply(CloseCommand{"w", seed}, opened_at_ns + 86'400'000'000'000);
    REQUIRE(close.refusal == Refusal::none);
    REQUIRE(close.first_leaf_index == leaves);
    leaves += close.decisions.size();
    REQUIRE(sequencer.decision_tree().size() == leaves);
    sequencer.log()->flush();
    REQUIRE(sequencer.log()->wait_durable(close.sequence).is_ok());
    const auto lines = exported_decisions(*opened->journal);
    REQUIRE(lines.size() == leaves);
    CHECK(sequencer.decision_tree().tree().root(leaves) == root_of(lines));
  }
  Result<Recovered> recovered = recover_journal(directory, scheme_text);
  REQUIRE(recovered.ok());
  REQUIRE(recovered->tree.size() == leaves);
  {
    const auto lines = exported_decisions(*recovered->journal);
    CHECK(recovered->tree.tree().root(leaves) == root_of(lines));
    for (const std::string& id : ids) {
      if (id.empty()) continue;
      const auto status = recovered->allocator->find_application(id);
      REQUIRE(status);
      REQUIRE(status->last_decision_index == last_line_of(lines, id));
    }
  }
  // The restarted Sequencer grows the same tree: an appeal re-decides one application.
  std::string appealed;
  for (const std::string& id : ids) {
    if (!id.empty() && recovered->allocator->find_application(id)->outcome != Outcome::granted) {
      appealed = id;
      break;
    }
  }
  REQUIRE_FALSE(appealed.empty());
  Sequencer sequencer(std::move(recovered->allocator),
                      std::make_unique<LocalLog>(*recovered->journal, GroupCommitLimits{}, nullptr,
                                                 recovered->summary.last_sequence),
                      recovered->summary, std::move(recovered->tree));
  const Applied appeal = sequencer.apply(AppealCommand{"w", appealed, std::nullopt, "ruling-1"},
                                         opened_at_ns + 2 * 86'400'000'000'000);
  REQUIRE(appeal.refusal == Refusal::none);
  REQUIRE(appeal.first_leaf_index == leaves);
  sequencer.log()->flush();
  REQUIRE(sequencer.log()->wait_durable(appeal.sequence).is_ok());
  const auto lines = exported_decisions(*recovered->journal);
  REQUIRE(lines.size() == leaves + appeal.decisions.size());
  CHECK(sequencer.decision_tree().tree().root(lines.size()) == root_of(lines));
  CHECK(sequencer.allocator().find_application(appealed)->last_decision_index ==
        last_line_of(lines, appealed));
  CHECK(last_line_of(lines, appealed) >= leaves);
}

}  // namespace loket
