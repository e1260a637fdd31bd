#include "sweep/asha_turn.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "sweep/member_claim.hpp"

namespace expt {

namespace fs = std::filesystem;

AshaTurn take_asha_turn(const fs::path& sweep_dir, const std::string& slurm_task,
                        const std::function<bool(const MemberRecord&)>& skip,
                        const std::function<bool(const Manifest&)>& may_end) {
  AshaTurn turn;
  const ManifestLock lock(sweep_dir);
  Manifest& m = turn.manifest;
  m = read_manifest(manifest_path(sweep_dir));
  const AshaSpec& asha = m.scheduler;
  if (!asha.enabled()) throw ConfigError(fmt::format("{} has no ASHA scheduler", manifest_path(sweep_dir).string()));
  const auto claimed = [&](const MemberRecord& r) { return member_is_claimed(sweep_dir, m, r.id); };
  for (MemberRecord& r : m.members)
    if (r.state == MemberState::running && !claimed(r)) adopt_rung_result(r, asha, sweep_dir / r.id);
  const auto next = next_asha_member(m, asha, [&](const MemberRecord& r) { return skip(r) || claimed(r); });
  if (!next) {
    if (may_end(m)) {
      prune_paused(m);
      write_manifest(manifest_path(sweep_dir), m);
    }
    return turn;
  }
  MemberRecord& r = m.members[*next];
  if (auto got = claim_member(sweep_dir, m, r.id)) turn.claim.emplace(std::move(*got));
  turn.raced = !turn.claim;  // another process claimed it between the check and the claim
  if (turn.raced) return turn;
  const fs::path dir = sweep_dir / r.id;
  start_attempt(r, slurm_task, has_checkpoint(dir) ? epochs_recorded(dir) : 0);
  write_manifest(manifest_path(sweep_dir), m);
  turn.member = next;
  return turn;
}

Manifest end_asha_turn(const fs::path& sweep_dir, const std::string& id, const MemberRun& run, const AshaSpec& asha) {
  return update_member(sweep_dir, id, [&](MemberRecord& r) {
    record_asha_run(r, run, asha);
    end_attempt(r);
  });
}

}  // namespace expt
