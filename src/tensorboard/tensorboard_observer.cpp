#include "tensorboard/tensorboard_observer.hpp"

#include <algorithm>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/dataset.hpp"
#include "tensorboard/event_file_writer.hpp"
#include "tensorboard/graph_def.hpp"
#include "tensorboard/histogram.hpp"
#include "tensorboard/hparams.hpp"
#include "tensorboard/image_grid.hpp"
#include "tensorboard/summaries.hpp"

namespace expt {
namespace {

// True when `step` is the first logged step past a multiple of `every` since `last`.
bool due(uint64_t step, uint64_t last, int64_t every) {
  return every > 0 && step / static_cast<uint64_t>(every) > last / static_cast<uint64_t>(every);
}

void write_metrics(EventFileWriter& w, int64_t step, const char* prefix, const BatchMetrics& m) {
  if (m.count == 0) return;  // no data behind it (e.g. an empty test set): nothing to plot
  w.write_summary(step, scalar_summary(std::string(prefix) + "loss", m.loss()));
  w.write_summary(step, scalar_summary(std::string(prefix) + "accuracy", m.accuracy()));
}

class TensorBoardObserver final : public TrainingObserver {
 public:
  explicit TensorBoardObserver(FlatConfig session_hparams) : session_hparams_(std::move(session_hparams)) {}

  void on_start(const RunContext& ctx, Network& net) override {
    config_ = ctx.config->tensorboard;
    if (!config_.enabled) return;
    plan_ = &net.plan();
    const auto root = ctx.run_dir / "tensorboard";
    session_ = std::make_unique<EventFileWriter>(root, config_.flush_seconds);
    train_ = std::make_unique<EventFileWriter>(root / "train", config_.flush_seconds);
    test_ = std::make_unique<EventFileWriter>(root / "test", config_.flush_seconds);
    log_every_ = config_.every_steps > 0 ? config_.every_steps : ctx.config->training.log_every_steps;
    const auto step = static_cast<int64_t>(ctx.first_step);
    last_scalars_ = last_histograms_ = last_images_ = ctx.first_step;

    // Every process announces the step it starts training at. TensorBoard takes a run's
    // second and later STARTs as restarts and drops what was logged at or after their step:
    // what an interrupted process wrote past the checkpoint this one resumes from (the
    // checkpoint's own step stays).
    for (auto* w : writers()) w->write(session_log_start(step + 1));
    if (ctx.data) choose_probe_image(*ctx.data);
    // The config as this process resolved it (a resume may add overrides).
    session_->write_summary(step, text_summary("config", as_markdown_code(ctx.config->resolved_yaml)));
    // A resumed run's graph, hparams and initial histograms and images were logged by the
    // first process; TensorBoard keeps only the first hparams record of a run anyway.
    if (ctx.first_step > 0) return;

    tb::Event graph;
    graph.set_step(step);
    graph.set_graph_def(make_graph_def(*plan_).SerializeAsString());
    train_->write(std::move(graph));
    session_->write_summary(step, session_start_summary(hparams(*ctx.config), wall_time_now()));
    write_histograms(step, net, /*gradients=*/false);  // no backward has run yet
    write_images(step, net);
  }

  void on_log(const StepLog& log, Network& net) override {
    if (!config_.enabled) return;
    const auto step = static_cast<int64_t>(log.step);
    if (log_every_ <= 0 || due(log.step, last_scalars_, log_every_)) {
      last_scalars_ = log.step;
      write_metrics(*train_, step, "", log.train);
      write_metrics(*test_, step, "", log.test);
      train_->write_summary(step, scalar_summary("learning_rate", log.learning_rate));
      train_->write_summary(step, scalar_summary("images_per_second", log.images_per_second));
      train_->write_summary(step, scalar_summary("step_ms", log.step_ms));
    }
    if (due(log.step, last_histograms_, config_.histograms_every_steps)) {
      last_histograms_ = log.step;
      write_histograms(step, net, /*gradients=*/true);
    }
    // After the histograms: the forward pass for feature maps must not precede gradient reads.
    if (due(log.step, last_images_, config_.images_every_steps)) {
      last_images_ = log.step;
      write_images(step, net);
    }
  }

  void on_epoch(const EpochLog& log, Network&) override {
    if (!config_.enabled) return;
    const auto step = static_cast<int64_t>(log.step);
    write_metrics(*train_, step, "epoch/", log.train);
    write_metrics(*test_, step, "epoch/", log.test);
    if (log.test.count == 0) return;
    best_test_accuracy_ = std::max(best_test_accuracy_, log.test.accuracy());
    session_->write_summary(step, scalar_summary(kFinalTestAccuracyTag, log.test.accuracy()));
    session_->write_summary(step, scalar_summary(kBestTestAccuracyTag, best_test_accuracy_));
    session_->write_summary(step, scalar_summary(kTrainTestGapTag, log.train.accuracy() - log.test.accuracy()));
  }

  void on_end(const RunEnd& end, Network&) override {
    if (!config_.enabled || !session_) return;
    std::exception_ptr first_error;
    try {
      // TensorBoard keeps the first session-end record of a run and ignores later ones, so
      // it is written only when the run is over for good: an interrupted or failed run can
      // still be resumed, and its resumption writes the status.
      if (end.status == RunStatus::completed || end.status == RunStatus::stopped_early ||
          end.status == RunStatus::diverged)
        session_->write_summary(static_cast<int64_t>(end.step), session_end_summary(end.status, wall_time_now()));
      if (!end.message.empty())
        session_->write_summary(static_cast<int64_t>(end.step),
                                text_summary("run_end", fmt::format("{}: {}", name_of(run_status_names, end.status),
                                                                    end.message)));
    } catch (const IoError&) {
      first_error = std::current_exception();
    }
    // Every file is closed even when an earlier one failed, so each keeps what it can.
    for (auto* w : writers()) {
      try {
        w->close();
      } catch (const IoError&) {
        if (!first_error) first_error = std::current_exception();
      }
    }
    if (first_error) std::rethrow_exception(first_error);
  }

 private:
  // Those that exist: on_end also runs after an on_start that failed halfway.
  std::vector<EventFileWriter*> writers() {
    std::vector<EventFileWriter*> out;
    for (auto* w : {session_.get(), train_.get(), test_.get()})
      if (w) out.push_back(w);
    return out;
  }

  static tb::Event session_log_start(int64_t step) {
    tb::Event e;
    e.set_step(step);
    e.mutable_session_log()->set_status(tb::SessionLog::START);
    return e;
  }

  // A fixed image, so feature maps can be compared across steps: the first test image (the
  // first training image when there is no test set), normalised as training sees it.
  void choose_probe_image(const Dataset& data) {
    const ImageSet& set = data.test.size() > 0 ? data.test : data.train;
    if (set.size() == 0) return;
    const int64_t first = 0;
    probe_image_.resize(static_cast<size_t>(set.shape.size()));
    assemble_batch(set, data.normalization, std::span(&first, 1), probe_image_, std::span(&probe_label_, 1));
  }

  void write_histograms(int64_t step, Network& net, bool gradients) {
    std::vector<float> values;
    for (size_t i = 0; i < plan_->params.size(); ++i) {
      const ParamSpec& p = plan_->params[i];
      values.resize(static_cast<size_t>(p.size()));
      net.read_parameter(i, values);
      train_->write_summary(step, histogram_summary("parameters/" + p.name, make_histogram(values)));
      if (!gradients || !p.trainable) continue;
      net.read_gradient(i, values);
      train_->write_summary(step, histogram_summary("gradients/" + p.name, make_histogram(values)));
    }
  }

  void write_images(int64_t step, Network& net) {
    const auto first_conv = std::find_if(plan_->layers.begin(), plan_->layers.end(),
                                         [](const PlannedLayer& l) { return l.spec.kind == LayerKind::conv2d; });
    if (first_conv == plan_->layers.end()) return;  // nothing image-like to show
    const ParamSpec& weight = plan_->params[static_cast<size_t>(first_conv->params.at(0))];
    std::vector<float> values(static_cast<size_t>(weight.size()));
    net.read_parameter(static_cast<size_t>(first_conv->params.at(0)), values);
    train_->write_summary(step, image_summary("filters/" + first_conv->spec.name,
                                              filter_grid(values, weight.dims[0], weight.dims[1], weight.dims[2], weight.dims[3])));

    if (probe_image_.empty()) return;
    train_->write_summary(step, image_summary("input/test_image", input_picture(probe_image_, plan_->input)));
    net.forward(HostBatch{1, probe_image_, std::span(&probe_label_, 1)}, Phase::eval, static_cast<uint64_t>(step));
    for (size_t l = 0; l < plan_->layers.size(); ++l) {
      const PlannedLayer& layer = plan_->layers[l];
      if (layer.spec.kind != LayerKind::conv2d) continue;
      values.resize(static_cast<size_t>(layer.out.size()));
      net.read_activation(l, values);
      train_->write_summary(step, image_summary("activations/" + layer.spec.name, feature_map_grid(values, layer.out)));
    }
  }

  std::map<std::string, HParamValue> hparams(const ExperimentConfig& config) const {
    if (session_hparams_.empty()) return flatten_hparams(config.resolved_yaml);
    std::map<std::string, HParamValue> out;
    for (const auto& [key, text] : session_hparams_) out[key] = hparam_value(text);
    return out;
  }

  FlatConfig session_hparams_;
  TensorBoardConfig config_;
  const NetworkPlan* plan_ = nullptr;
  int64_t log_every_ = 0;
  std::unique_ptr<EventFileWriter> session_, train_, test_;
  std::vector<float> probe_image_;
  int32_t probe_label_ = 0;
  uint64_t last_scalars_ = 0, last_histograms_ = 0, last_images_ = 0;
  double best_test_accuracy_ = 0;
};

}  // namespace

std::unique_ptr<TrainingObserver> make_tensorboard_observer(FlatConfig session_hparams) {
  return std::make_unique<TensorBoardObserver>(std::move(session_hparams));
}

}  // namespace expt
