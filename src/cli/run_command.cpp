#include <fmt/format.h>

#include "cli/commands.hpp"
#include "config/load_config.hpp"
#include "experiment/run.hpp"

namespace expt::cli {

void add_run_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    std::string resume;
    bool quiet = false;
    bool ignore_memory_limit = false;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("run", "Train one experiment and write results/<name>/<run-id>/");
  cmd->add_option("config", args->config, "experiment YAML file (not needed with --resume)");
  cmd->add_option("overrides", args->overrides, "key.path=value settings applied on top of the file");
  cmd->add_option("--resume", args->resume, "continue the run in this folder from its last checkpoint");
  cmd->add_flag("-q,--quiet", args->quiet, "print only the final result and errors");
  add_ignore_memory_limit_flag(*cmd, args->ignore_memory_limit);
  cmd->callback([args] {
    RunOptions options;
    options.quiet = args->quiet;
    options.ignore_memory_limit = args->ignore_memory_limit;
    std::filesystem::path file = args->config;
    if (!args->resume.empty()) {
      options.resume_dir = args->resume;
      if (!args->config.empty() || !args->overrides.empty())
        throw CLI::ValidationError("--resume", "takes no config file or overrides: the run folder's config.yaml is used");
      file = options.resume_dir / "config.yaml";
    } else if (args->config.empty()) {
      throw CLI::RequiredError("config");
    }
    const ExperimentConfig config = options.resume_dir.empty() ? load_config(file, args->overrides) : load_run_config(file);
    const RunOutcome outcome = run_experiment(config, options);
    const Report& r = outcome.report;
    const std::string_view status = name_of(run_status_names, r.status);
    const std::string weights = r.final_weights_epoch > 0
                                    ? fmt::format(" with the weights of epoch {} (best.safetensors)", r.final_weights_epoch)
                                    : "";
    fmt::print("{}: {} after {} epochs | final test accuracy {:.4f}{} (best {:.4f} at epoch {}), train {:.4f} | {:.2f}s\n",
               r.name, status, r.epochs.size(), r.final_test_accuracy(), weights, r.best_test_accuracy(),
               r.best_epoch(), r.final_train_accuracy(), r.total_seconds);
    if (args->quiet && !r.message.empty()) fmt::print(stderr, "{}: {}\n", status, r.message);
    fmt::print("report: {}\n", (outcome.run_dir / "report.json").string());
    g_exit_code = static_cast<int>(outcome.exit_code);
  });
}

}  // namespace expt::cli
