#include "tests/reference_allocator.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "tests/harness.hpp"

namespace loket::testing {
namespace {

struct Application {
  std::string id;
  std::size_t tranche = 0;
  std::string participant;
  std::int64_t amount = 0;
  std::size_t compartment = 0;
  std::int64_t granted = 0;
  std::string outcome;
};

struct Model {
  const Scenario& scenario;
  std::vector<Application> applications;
  std::vector<std::vector<std::int64_t>> moved;  // transfers in minus out, per compartment
  std::vector<std::vector<bool>> blocked;
  std::vector<std::string>* out = nullptr;
  std::uint64_t sequence = 0;

  std::int64_t budget(std::size_t t, std::size_t c) const {
    const ScenarioTranche& tranche = scenario.tranches[t];
    if (tranche.counts_places) return tranche.cap;
    std::int64_t given = 0;
    for (std::size_t k = 0; k + 1 < tranche.shares.size(); ++k) {
      const std::int64_t share = tranche.cap * tranche.shares[k] / 100;
      if (k == c) return share;
      given += share;
    }
    return tranche.cap - given;
  }

  std::int64_t remaining(std::size_t t, std::size_t c) const {
    std::int64_t left = budget(t, c) + moved[t][c];
    for (const Application& application : applications) {
      if (application.tranche == t && application.compartment == c) left -= application.granted;
    }
    return left;
  }

  bool waiting(const Application& application) const {
    return application.outcome == "waitlisted" ||
           (application.outcome == "granted" && application.granted < application.amount);
  }

  // Every submission here is valid, so every money application has a compartment.
  void emit(const Application& application, const std::string& reason = "") {
    const bool places = scenario.tranches[application.tranche].counts_places;
    out->push_back(decided(sequence, application.id, application.outcome, reason,
                           places ? "" : fmt::format("c{}", application.compartment),
                           places ? 0 : application.granted));
  }

  // What the fit rule gives an application that needs `need` from `left`.
  static std::int64_t give(const std::string& fit, std::int64_t need, std::int64_t left,
                           bool& blocked_flag) {
    if (fit == "partial") return std::min(need, left);
    if (fit == "skip") return need <= left ? need : 0;
    const std::int64_t given = !blocked_flag && need <= left ? need : 0;
    if (given == 0) blocked_flag = true;
    return given;
  }

  void submit(const boost::json::object& event) {
    Application application;
    application.id = std::string(event.at("id").as_string());
    const std::string tranche_id(event.at("tranche").as_string());
    application.participant = std::string(event.at("participant").as_string());
    while (scenario.tranches[application.tranche].id != tranche_id) ++application.tranche;
    const ScenarioTranche& tranche = scenario.tranches[application.tranche];
    if (!tranche.counts_places) {
      application.amount = event.at("amount_cents").as_int64();
      for (std::size_t c = 0; c < tranche.shares.size(); ++c) {
        if (application.amount > tranche.band_edges[c + 1]) continue;
        application.compartment = c;
        break;  // the first band whose max is at least the amount: boundaries go to the lower
      }
    }
    for (const Application& other : applications) {
      const bool same_scope = !scenario.unique_per_tranche || other.tranche == application.tranche;
      if (same_scope && other.participant == application.participant &&
          other.outcome != "rejected") {
        application.outcome = "rejected";
        applications.push_back(application);
        return emit(application, "duplicate_participant");
      }
    }
    const std::size_t t = application.tranche;
    const std::size_t c = application.compartment;
    if (tranche.counts_places) {
      application.granted = remaining(t, 0) > 0 ? 1 : 0;
      application.outcome = application.granted ? "granted" : "rejected";
      applications.push_back(application);
      return emit(application, application.granted ? "" : "tranche_full");
    }
    bool flag = blocked[t][c];
    application.granted = give(tranche.fit, application.amount, remaining(t, c), flag);
    blocked[t][c] = flag;
    application.outcome = application.granted > 0 ? "granted" : "waitlisted";
    applications.push_back(application);
    emit(application);
  }

  bool has_unmet(std::size_t t, std::size_t c) const {
    for (const Application& application : applications) {
      if (application.tranche == t && application.compartment == c && waiting(application)) {
        return true;
      }
    }
    return false;
  }

  void close(std::size_t t) {
    const ScenarioTranche& tranche = scenario.tranches[t];
    if (tranche.counts_places) return;
    const std::size_t count = tranche.shares.size();
    while (tranche.spillover == "at_close") {
      std::size_t donor = count;
      std::size_t receiver = count;
      for (std::size_t c = count; c-- > 0;) {
        if (!has_unmet(t, c) && remaining(t, c) > 0) donor = c;
        if (has_unmet(t, c)) receiver = c;
      }
      if (donor == count || receiver == count) break;
      const std::int64_t amount = remaining(t, donor);
      moved[t][donor] -= amount;
      moved[t][receiver] += amount;
      out->push_back(fmt::format(
          R"({{"type":"transfer","seq":{},"tranche":"{}","from":"c{}","to":"c{}","amount_cents":{}}})",
          sequence, tranche.id, donor, receiver, amount));
      bool flag = false;
      for (Application& application : applications) {
        if (application.tranche != t || application.compartment != receiver ||
            !waiting(application) || flag) {
          continue;
        }
        const std::int64_t given = give(tranche.fit, application.amount - application.granted,
                                        remaining(t, receiver), flag);
        if (given == 0) continue;
        application.granted += given;
        application.outcome = "granted";
        emit(application);
      }
    }
    for (std::size_t c = 0; c < count; ++c) {
      for (Application& application : applications) {
        if (application.tranche == t && application.compartment == c &&
            application.outcome == "waitlisted") {
          application.outcome = "rejected";
          emit(application, "budget_exhausted");
        }
      }
    }
  }
};

}  // namespace

std::vector<std::vector<std::string>> reference_decisions(const Scenario& scenario) {
  Model model{scenario, {}, {}, {}};
  for (const ScenarioTranche& tranche : scenario.tranches) {
    model.moved.emplace_back(std::max<std::size_t>(tranche.shares.size(), 1), 0);
    model.blocked.emplace_back(std::max<std::size_t>(tranche.shares.size(), 1), false);
  }
  std::vector<std::vector<std::string>> decisions;
  for (const std::string& text : scenario.events) {
    const boost::json::object event = boost::json::parse(text).as_object();
    decisions.emplace_back();
    model.out = &decisions.back();
    model.sequence += 1;
    if (event.at("type").as_string() == "submit") {
      model.submit(event);
    } else {
      const std::string tranche_id(event.at("tranche").as_string());
      std::size_t t = 0;
      while (scenario.tranches[t].id != tranche_id) ++t;
      model.close(t);
    }
  }
  return decisions;
}

}  // namespace loket::testing
