#pragma once
// What `expt sweep --launcher slurm` asks of Slurm (docs/slurm.md).
#include <string>
#include <string_view>
#include <vector>

namespace expt {

struct SlurmOptions {
  std::string partition;                    // --partition
  std::string time;                         // --time: the limit of each array task
  int gpus_per_job = 0;                     // --gres=gpu:N per array task
  int cpus_per_job = 0;                     // --cpus-per-task=N; each member then runs with N threads
  int array_parallelism = 0;                // at most K array tasks at once (--array=...%K); 0: no limit
  int pack = 1;                             // members per array task, run one after another
  std::vector<std::string> sbatch_options;  // KEY=VALUE or KEY: passed to sbatch as --KEY=VALUE or --KEY
  bool wait = false;                        // follow the array and print progress until it ends
};

// Empty when `option` (KEY=VALUE or KEY, without the leading --) may be passed to sbatch; else
// why not: a malformed name, or one that expt sets itself (array, output, error, wrap, parsable).
std::string sbatch_option_problem(std::string_view option);

}  // namespace expt
