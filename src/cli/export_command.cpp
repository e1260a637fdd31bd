// `expt export --onnx`: a trained run's inference graph for other runtimes.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "export/onnx_export.hpp"

namespace expt::cli {

void add_export_command(CLI::App& app) {
  struct Args {
    std::string run, onnx;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("export", "Write a trained run's inference graph as an ONNX model");
  cmd->add_option("run", args->run, "run folder (its best.safetensors, else last.safetensors) or checkpoint file")
      ->required();
  cmd->add_option("--onnx", args->onnx, "the ONNX file to write (opset 17; input `pixels`, output `logits`)")
      ->required();
  cmd->callback([args] {
    const TrainedRun run = open_trained_run(args->run, {});
    export_onnx(run, args->onnx);
    fmt::print("{}: {} -> {}\n", run.config.name, run.checkpoint.string(), args->onnx);
  });
}

}  // namespace expt::cli
