#pragma once
// A free worker's turn under ASHA, shared by the local sweep's workers (sweep_runner.cpp) and by
// the Slurm array tasks (asha_worker.hpp): take the next member and claim it in one write to
// sweep.json, run it to its rung, then record what came of it in another.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "sweep/asha.hpp"
#include "sweep/byte_range_lock.hpp"
#include "sweep/manifest.hpp"
#include "sweep/member_execution.hpp"

namespace expt {

struct AshaTurn {
  std::optional<size_t> member;        // the member this process now runs, marked running
  std::optional<ByteRangeLock> claim;  // held while it runs
  bool raced = false;                  // another process claimed the chosen member first: try again
  Manifest manifest;                   // sweep.json as this turn left it
};

// Under the manifest lock: adopts the rung results of running members whose process is gone
// (adopt_rung_result), then takes the next promotion or new member (next_asha_member) that no
// process has claimed and `skip` does not rule out, claims it and starts its attempt
// (`slurm_task`: the array task's id, or empty) in the same write. With nothing to take and
// `may_end(manifest)` true, marks the paused members pruned (prune_paused).
AshaTurn take_asha_turn(const std::filesystem::path& sweep_dir, const std::string& slurm_task,
                        const std::function<bool(const MemberRecord&)>& skip,
                        const std::function<bool(const Manifest&)>& may_end);

// The member's result at its rung (record_asha_run) and the end of its attempt, in one write;
// returns sweep.json as written.
Manifest end_asha_turn(const std::filesystem::path& sweep_dir, const std::string& id, const MemberRun& run,
                       const AshaSpec& asha);

}  // namespace expt
