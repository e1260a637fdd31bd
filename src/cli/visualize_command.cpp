#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "tensorboard/png_encode.hpp"
#include "visualize/feature_maps.hpp"
#include "visualize/filter_animation.hpp"
#include "visualize/gif_encode.hpp"

namespace expt::cli {

void add_visualize_command(CLI::App& app) {
  struct Args {
    std::string run_dir;
    std::string filters;
    std::string feature_maps;
    std::string layer;
    std::string checkpoint = "best";
    int delay = 50;
    std::string output;
  };
  auto args = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("visualize", "Pictures of a run: a conv layer's filters over its checkpoints (GIF), "
                                              "one image's feature maps (PNG)");
  cmd->add_option("run_dir", args->run_dir, "the run folder")->required();
  auto* filters = cmd->add_option("--filters", args->filters, "conv layer whose filters to animate, one frame per checkpoint");
  auto* maps = cmd->add_option("--feature-maps", args->feature_maps, "image file (JPEG or PNG) whose activations to show");
  filters->excludes(maps);
  cmd->add_option("--layer", args->layer, "with --feature-maps: the layer (default: the first conv layer)")->needs(maps);
  cmd->add_option("--checkpoint", args->checkpoint, "with --feature-maps: best, last or a checkpoint file (default best)")
      ->needs(maps);
  cmd->add_option("--delay", args->delay, "with --filters: centiseconds between frames (default 50)")
      ->check(CLI::Range(1, 65535))
      ->needs(filters);
  cmd->add_option("-o,--output", args->output, "the GIF or PNG to write (atomically)")->required();
  cmd->callback([args] {
    const std::filesystem::path run_dir = args->run_dir;
    if (!args->filters.empty()) {
      const auto checkpoints = run_checkpoints(run_dir);
      if (checkpoints.size() == 1)
        fmt::print(stderr,
                   "{} kept only one checkpoint ({}), so the animation has one frame; runs with "
                   "training.checkpoint_keep_every_epochs keep one every so many epochs\n",
                   run_dir.string(), checkpoints.front().path.filename().string());
      write_file_atomically(args->output, encode_gif(filter_frames(checkpoints, args->filters), args->delay));
      fmt::print(stderr, "wrote {}: {} frame{} of {}'s filters\n", args->output, checkpoints.size(),
                 checkpoints.size() == 1 ? "" : "s", args->filters);
    } else if (!args->feature_maps.empty()) {
      const bool named = args->checkpoint == "last" || args->checkpoint == "best";
      const TrainedRun run = open_trained_run(
          named ? run_dir / "checkpoints" / (args->checkpoint + ".safetensors") : std::filesystem::path(args->checkpoint),
          {});
      const TrainedNetwork trained = build_trained_network(run, 1);
      write_file_atomically(args->output,
                            encode_png(feature_maps(run, *trained.network, args->feature_maps, args->layer)));
      fmt::print(stderr, "wrote {}\n", args->output);
    } else {
      throw CLI::ValidationError("visualize", "give --filters LAYER or --feature-maps IMAGE");
    }
  });
}

}  // namespace expt::cli
