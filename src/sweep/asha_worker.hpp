#pragma once
// An ASHA worker that needs nothing but the sweep folder: what each Slurm array task of an ASHA
// sweep runs (expt sweep-member). It takes promotions and new members from sweep.json under the
// manifest lock (asha.hpp), as the local sweep's workers do, until nothing is left to run here
// or in any other task; the last one to stop marks the paused members pruned.
#include <filesystem>
#include <string>

namespace expt {

// Members' configs come from <sweep>/slurm/configs/<id>.yaml. `threads` > 0 overrides each
// config's. Returns 0, or 130 after SIGTERM/Ctrl-C (the running member is marked interrupted).
int run_asha_worker(const std::filesystem::path& sweep_dir, const std::string& slurm_task, int threads, bool quiet);

}  // namespace expt
