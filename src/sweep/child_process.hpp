#pragma once
// Running the Slurm commands (sbatch, squeue, scancel): found on PATH, given their input on
// stdin, their output and exit status captured.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace expt {

struct ProgramResult {
  int exit_code = 0;  // 128 + N when killed by signal N
  std::string out, err;
};

// The first executable `name` in the folders of $PATH.
std::optional<std::filesystem::path> find_on_path(const std::string& name);

// Runs `program` with `args`, feeding `input` to its stdin. Throws IoError when it cannot start.
ProgramResult run_program(const std::filesystem::path& program, const std::vector<std::string>& args,
                          std::string_view input = {});

}  // namespace expt
