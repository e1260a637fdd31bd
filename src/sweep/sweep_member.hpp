#pragma once
// `expt sweep-member SWEEP_DIR ID...`: what one Slurm array task runs (the batch script written
// by slurm_launcher.cpp). Runs the members one after another in the shared sweep folder: each
// is claimed first (member_claim.hpp), skipped when another process holds it or it is already
// finished, resumed from its last checkpoint when it has one, and recorded in sweep.json.
#include <filesystem>
#include <string>
#include <vector>

namespace expt {

struct SweepMemberOptions {
  int threads = 0;  // > 0: threads per member; 0: $SLURM_CPUS_PER_TASK when set, else the config's
  bool quiet = false;
};

// 0 when every member has been run or skipped (failed and diverged ones are recorded results),
// 130 when SIGTERM or Ctrl-C stopped it (scancel, the time limit): the member is `interrupted`
// and the rest are left for the next submission. Throws for a folder without a manifest or an
// id that is not a member.
int run_sweep_members(const std::filesystem::path& sweep_dir, const std::vector<std::string>& ids,
                      const SweepMemberOptions& options);

// Where the submission put the member's resolved config.
std::filesystem::path member_config_path(const std::filesystem::path& sweep_dir, const std::string& id);

}  // namespace expt
