#pragma once
// Asynchronous successive halving (ASHA) over a sweep's members. Every member is a full run of
// scheduler.max_epochs epochs that the sweep pauses at rungs of min_epochs * rf^k epochs. When
// a worker is free it takes the highest ready promotion (a paused member in the top 1/rf of
// all members that reported at its rung), else a member not started yet. Decisions are written
// to sweep.json under the manifest lock, before the member runs, so they survive any crash.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "sweep/manifest.hpp"
#include "sweep/member_execution.hpp"
#include "sweep/sweep_spec.hpp"

namespace expt {

// min_epochs * rf^k for every k that stays below max_epochs, then max_epochs: 1, 3, 9 for
// (1, 9, 3) and 2, 4, 5 for (2, 5, 2).
std::vector<int64_t> asha_rungs(const AshaSpec& asha);

// The index of the next member to run, with its promotion (rung + 1, state pending) already
// recorded in `manifest`; nullopt when nothing can run now. `busy` says which members some
// process runs now (or this process should not take up again).
std::optional<size_t> next_asha_member(Manifest& manifest, const AshaSpec& asha,
                                       const std::function<bool(const MemberRecord&)>& busy);

// Whether a running member could still change what next_asha_member decides, i.e. whether a
// free worker should wait for the running ones rather than end the sweep.
bool asha_may_promote_later(const Manifest& manifest);

// A member that was sent to rung r: state and rung metric after its run (paused at the rung,
// done at the top rung; stopped_early, diverged, failed and interrupted as in record_run).
void record_asha_run(MemberRecord& r, const MemberRun& run, const AshaSpec& asha);

// A member whose process was killed after its report said it reached its rung, before the
// manifest did: adopts the report's result, as adopt_finished_run does for whole runs.
void adopt_rung_result(MemberRecord& r, const AshaSpec& asha, const std::filesystem::path& member_dir);

// Once no member runs or can run: every paused member becomes pruned.
void prune_paused(Manifest& manifest);

}  // namespace expt
