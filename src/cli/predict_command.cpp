// `expt predict`: a trained run's classes for image files, or its accuracy on the test split.
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "inference/class_scores.hpp"
#include "inference/image_inputs.hpp"
#include "inference/predictor.hpp"
#include "inference/test_split.hpp"

namespace expt::cli {
namespace {

struct PredictArgs {
  std::string run;
  std::vector<std::string> images;
  std::string dataset;
  int64_t top_k = 3;
  std::string backend;
  bool json = false;
};

void predict_files(const PredictArgs& args, const TrainedRun& run, Predictor& predictor) {
  const std::vector<std::filesystem::path> paths(args.images.begin(), args.images.end());
  const ImageInputs inputs = load_image_inputs(paths, run.input, run.config.data.resize);
  for (const std::string& skipped : inputs.skipped) fmt::print(stderr, "skipped {}\n", skipped);
  const std::vector<float> logits = predictor.logits(inputs.images);
  const auto classes = static_cast<size_t>(predictor.classes());
  nlohmann::ordered_json predictions = nlohmann::ordered_json::array();
  for (size_t i = 0; i < inputs.files.size(); ++i) {
    const std::span<const float> row = std::span(logits).subspan(i * classes, classes);
    const std::vector<ClassScore> top = top_classes(row, args.top_k);
    if (args.json) {
      nlohmann::ordered_json ranked = nlohmann::ordered_json::array();
      for (const ClassScore& s : top)
        ranked.push_back({{"class", run.class_names[static_cast<size_t>(s.label)]},
                          {"label", s.label},
                          {"probability", s.probability}});
      predictions.push_back({{"file", inputs.files[i].string()}, {"top", ranked}, {"logits", row}});
      continue;
    }
    std::string line = inputs.files[i].string() + ":";
    for (const ClassScore& s : top)
      line += fmt::format(" {} {:.4f}", run.class_names[static_cast<size_t>(s.label)], s.probability);
    fmt::print("{}\n", line);
  }
  if (args.json) {
    nlohmann::ordered_json skipped = inputs.skipped;
    fmt::print("{}\n", nlohmann::ordered_json{{"checkpoint", run.checkpoint.string()},
                                              {"backend", predictor.backend_name()},
                                              {"predictions", predictions},
                                              {"skipped", skipped}}
                           .dump(2));
  }
  // Every readable image was predicted; the status still says that some were not.
  if (!inputs.skipped.empty()) g_exit_code = static_cast<int>(ExitCode::data);
}

void print_confusion(const LabelledEvaluation& e, const std::vector<std::string>& names) {
  size_t width = 6;
  for (const std::string& n : names) width = std::max(width, n.size());
  fmt::print("confusion matrix (rows: true class, columns: predicted class)\n{:<{}}", "", width);
  for (const std::string& n : names) fmt::print(" {:>{}}", n, width);
  fmt::print("\n");
  for (size_t row = 0; row < names.size(); ++row) {
    fmt::print("{:<{}}", names[row], width);
    for (size_t col = 0; col < names.size(); ++col)
      fmt::print(" {:>{}}", e.confusion[row * names.size() + col], width);
    fmt::print("\n");
  }
}

void predict_test_split(const PredictArgs& args, const TrainedRun& run, Predictor& predictor,
                        const std::vector<std::string>& overrides) {
  const ImageSet test = load_test_split(run, overrides);
  const std::vector<float> logits = predictor.logits(test);
  const LabelledEvaluation e = evaluate_labelled(logits, test.labels, predictor.classes());
  if (args.json) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (int64_t r = 0; r < e.classes; ++r)
      rows.push_back(std::vector<int64_t>(e.confusion.begin() + r * e.classes, e.confusion.begin() + (r + 1) * e.classes));
    fmt::print("{}\n", nlohmann::ordered_json{{"checkpoint", run.checkpoint.string()},
                                              {"backend", predictor.backend_name()},
                                              {"dataset", "test"},
                                              {"examples", e.count},
                                              {"correct", e.correct},
                                              {"accuracy", e.accuracy()},
                                              {"class_names", run.class_names},
                                              {"confusion", rows}}
                           .dump(2));
    return;
  }
  fmt::print("{} on the test split: {} images, {} correct, accuracy {:.4f}\n", run.checkpoint.string(), e.count,
             e.correct, e.accuracy());
  print_confusion(e, run.class_names);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "Classify images, or score the test split, with a trained run's checkpoint");
  cmd->add_option("run", args->run, "run folder (its best.safetensors, else last.safetensors) or checkpoint file")
      ->required();
  cmd->add_option("images", args->images, "image files and folders of images (.png, .jpg, .jpeg)");
  cmd->add_option("--dataset", args->dataset, "score the run's own data set split instead of files")
      ->check(CLI::IsMember({"test"}));
  cmd->add_option("--top-k", args->top_k, "classes listed per image, most probable first")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--backend", args->backend, "backend (default: the run's config, as `expt run` picks)");
  cmd->add_flag("--json", args->json, "print one JSON object instead of text");
  cmd->callback([args] {
    if (args->dataset.empty() == args->images.empty())
      throw CLI::ValidationError("images", "give image files or folders, or --dataset test, not both");
    std::vector<std::string> overrides;
    if (!args->backend.empty()) overrides.push_back("backend=" + args->backend);
    const TrainedRun run = open_trained_run(args->run, overrides);
    Predictor predictor(run);
    if (args->dataset.empty())
      predict_files(*args, run, predictor);
    else
      predict_test_split(*args, run, predictor, overrides);
  });
}

}  // namespace expt::cli
