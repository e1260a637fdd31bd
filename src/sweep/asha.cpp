#include "sweep/asha.hpp"

#include <algorithm>

#include "experiment/report.hpp"

namespace expt {
namespace {

bool higher_is_better(const AshaSpec& asha) { return asha.metric == "test_accuracy"; }

double rung_metric(const Report& report, const AshaSpec& asha) {
  const EpochRecord& last = report.epochs.back();
  return asha.metric == "test_accuracy" ? last.test_accuracy : last.test_loss;
}

// Members that reported at rung k, best first (ties by id, so every process ranks alike).
std::vector<size_t> ranked_at(const Manifest& manifest, const AshaSpec& asha, size_t k) {
  std::vector<size_t> out;
  for (size_t i = 0; i < manifest.members.size(); ++i)
    if (manifest.members[i].rung_metrics.size() > k) out.push_back(i);
  std::sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    const double x = manifest.members[a].rung_metrics[k], y = manifest.members[b].rung_metrics[k];
    if (x != y) return higher_is_better(asha) ? x > y : x < y;
    return manifest.members[a].id < manifest.members[b].id;
  });
  return out;
}

bool waits_at_rung(const MemberRecord& r, size_t k) {
  return (r.state == MemberState::paused || r.state == MemberState::pruned) && r.rung == static_cast<int64_t>(k) &&
         r.rung_metrics.size() == k + 1;
}

// Members that still have epochs to train at their current rung.
bool runnable(MemberState s) {
  return s == MemberState::pending || s == MemberState::running || s == MemberState::interrupted ||
         s == MemberState::failed;
}

void record_rung_metric(MemberRecord& r, const Report& report, const AshaSpec& asha) {
  r.rung_metrics.resize(static_cast<size_t>(r.rung) + 1);
  r.rung_metrics.back() = rung_metric(report, asha);
}

}  // namespace

std::vector<int64_t> asha_rungs(const AshaSpec& asha) {
  std::vector<int64_t> rungs;
  for (int64_t e = asha.min_epochs; e < asha.max_epochs; e *= asha.reduction_factor) rungs.push_back(e);
  rungs.push_back(asha.max_epochs);
  return rungs;
}

std::optional<size_t> next_asha_member(Manifest& manifest, const AshaSpec& asha,
                                       const std::function<bool(const MemberRecord&)>& busy) {
  const size_t rungs = asha_rungs(asha).size();
  for (size_t k = rungs - 1; k-- > 0;) {
    const std::vector<size_t> ranked = ranked_at(manifest, asha, k);
    const size_t promoted = ranked.size() / static_cast<size_t>(asha.reduction_factor);
    for (size_t j = 0; j < promoted; ++j) {
      MemberRecord& r = manifest.members[ranked[j]];
      if (!waits_at_rung(r, k) || busy(r)) continue;
      r.rung = static_cast<int64_t>(k) + 1;
      r.state = MemberState::pending;
      return ranked[j];
    }
  }
  for (size_t i = 0; i < manifest.members.size(); ++i)
    if (runnable(manifest.members[i].state) && !busy(manifest.members[i])) return i;
  return std::nullopt;
}

bool asha_may_promote_later(const Manifest& manifest) {
  return std::any_of(manifest.members.begin(), manifest.members.end(),
                     [](const MemberRecord& r) { return r.state == MemberState::running; });
}

void record_asha_run(MemberRecord& r, const MemberRun& run, const AshaSpec& asha) {
  record_run(r, run);
  if (!run.outcome || run.outcome->report.epochs.empty()) return;
  const RunStatus status = run.outcome->report.status;
  if (status == RunStatus::paused) r.state = MemberState::paused;
  if (status == RunStatus::paused || status == RunStatus::completed) record_rung_metric(r, run.outcome->report, asha);
}

void adopt_rung_result(MemberRecord& r, const AshaSpec& asha, const std::filesystem::path& member_dir) {
  if (!runnable(r.state) || !std::filesystem::exists(member_dir / "report.json")) return;
  try {
    const Report report = read_report(member_dir / "report.json");
    const auto rungs = asha_rungs(asha);
    const auto done = static_cast<int64_t>(report.epochs.size());
    if (report.status != RunStatus::paused || r.rung >= static_cast<int64_t>(rungs.size()) ||
        done != rungs[static_cast<size_t>(r.rung)])
      return;
    r.state = MemberState::paused;
    r.message.clear();
    r.epochs_done = done;
    r.final_test_accuracy = report.final_test_accuracy();
    r.best_test_accuracy = report.best_test_accuracy();
    r.final_train_accuracy = report.final_train_accuracy();
    r.seconds = report.total_seconds;
    record_rung_metric(r, report, asha);
  } catch (const std::exception&) {
    // A torn report: the member resumes from its checkpoint instead.
  }
}

void prune_paused(Manifest& manifest) {
  for (auto& r : manifest.members)
    if (r.state == MemberState::paused) r.state = MemberState::pruned;
}

}  // namespace expt
