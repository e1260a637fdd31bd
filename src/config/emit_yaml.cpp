// The resolved YAML: every key the schema knows, with its value after overrides, references
// and defaults, in the schema's order. Reading it back gives the same ExperimentConfig.
#include "config/emit_yaml.hpp"

#include <fmt/format.h>

#include "config/enum_names.hpp"
#include "config/load_config.hpp"
#include "core/overloaded.hpp"
#include "layers/layer_registry.hpp"

namespace expt {

namespace config {

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

namespace {

YAML::Node scalar(std::string_view text) { return YAML::Node(std::string(text)); }
YAML::Node scalar(double v) { return scalar(number_text(v)); }
YAML::Node scalar(int64_t v) { return scalar(std::to_string(v)); }
YAML::Node scalar(bool v) { return scalar(std::string_view(v ? "true" : "false")); }

YAML::Node flow(YAML::Node node) {
  node.SetStyle(YAML::EmitterStyle::Flow);
  return node;
}

YAML::Node size2(int64_t h, int64_t w) {
  if (h == w) return scalar(h);
  YAML::Node list(YAML::NodeType::Sequence);
  list.push_back(scalar(h));
  list.push_back(scalar(w));
  return flow(list);
}

YAML::Node init_map(const LayerSpec& l) {
  YAML::Node init(YAML::NodeType::Map);
  init["weights"] = init_node(l.weight_init);
  init["bias"] = init_node(l.bias_init);
  return init;
}

YAML::Node field_node(const LayerField& field, const LayerSpec& l) {
  return std::visit(overloaded{
                        [&](int64_t LayerSpec::*f) { return scalar(l.*f); },
                        [&](double LayerSpec::*f) { return scalar(l.*f); },
                        [&](bool LayerSpec::*f) { return scalar(l.*f); },
                        [&](const Size2Field& f) { return size2(l.*f.h, l.*f.w); },
                        [&]<class E>(const EnumField<E>& f) { return scalar(name_of(f.names, l.*f.member)); },
                        [&](InitFields) { return init_map(l); },
                        [&](std::vector<std::string> LayerSpec::*f) {
                          YAML::Node list(YAML::NodeType::Sequence);
                          for (const auto& name : l.*f) list.push_back(scalar(name));
                          return flow(list);
                        },
                    },
                    field);
}

// `type`, `name`, `input` where the layer does not read the previous one, then the kind's keys
// in its descriptor's order, on one line.
YAML::Node layer_node(const LayerSpec& l) {
  const LayerDescriptor& d = layer_descriptor(l.kind);
  YAML::Node n(YAML::NodeType::Map);
  n["type"] = scalar(d.type);
  n["name"] = scalar(l.name);
  if (!l.input.empty()) n["input"] = scalar(l.input);
  for (const auto& key : d.keys) n[key.row.key] = field_node(key.field, l);
  // Written only when not the default, so configs without them keep their text and hash.
  if (!l.trainable) n["trainable"] = scalar(false);
  if (l.lr_multiplier != LayerSpec{}.lr_multiplier) n["lr_multiplier"] = scalar(l.lr_multiplier);
  return flow(n);
}

YAML::Node optimizer_node(const OptimizerConfig& o) {
  YAML::Node n(YAML::NodeType::Map);
  n["type"] = scalar(name_of(optimizer_kind_names, o.kind));
  n["learning_rate"] = scalar(o.learning_rate);
  n["weight_decay"] = scalar(o.weight_decay);
  if (o.kind == OptimizerConfig::Kind::momentum) {
    n["momentum"] = scalar(o.momentum);
    n["nesterov"] = scalar(o.nesterov);
  }
  if (o.kind == OptimizerConfig::Kind::adam || o.kind == OptimizerConfig::Kind::adamw) {
    n["beta1"] = scalar(o.beta1);
    n["beta2"] = scalar(o.beta2);
    n["epsilon"] = scalar(o.epsilon);
  }
  return n;
}

YAML::Node schedule_node(const ScheduleConfig& s) {
  using Kind = ScheduleConfig::Kind;
  YAML::Node n(YAML::NodeType::Map);
  n["type"] = scalar(name_of(schedule_kind_names, s.kind));
  n["warmup_epochs"] = scalar(s.warmup_epochs);
  if (s.kind == Kind::step) n["step_epochs"] = scalar(s.step_epochs);
  if (s.kind == Kind::multistep) {
    YAML::Node milestones(YAML::NodeType::Sequence);
    for (double m : s.milestones) milestones.push_back(scalar(m));
    n["milestones"] = flow(milestones);
  }
  if (s.kind == Kind::step || s.kind == Kind::multistep || s.kind == Kind::exponential) n["gamma"] = scalar(s.gamma);
  if (s.kind == Kind::cosine) n["min_learning_rate"] = scalar(s.min_learning_rate);
  return n;
}

YAML::Node early_stopping_node(const EarlyStoppingConfig& e) {
  YAML::Node n(YAML::NodeType::Map);
  n["metric"] = scalar(name_of(epoch_metric_names, e.metric));
  n["patience"] = scalar(e.patience);
  n["min_delta"] = scalar(e.min_delta);
  n["restore_best"] = scalar(e.restore_best);
  return flow(n);
}

YAML::Node data_node(const DataConfig& d) {
  YAML::Node n(YAML::NodeType::Map);
  n["dataset"] = scalar(d.dataset);
  n["root"] = scalar(d.root.string());
  YAML::Node classes(YAML::NodeType::Sequence);
  for (const auto& c : d.classes) classes.push_back(scalar(c));
  n["classes"] = flow(classes);
  n["test_fraction"] = scalar(d.test_fraction);
  n["image_size"] = size2(d.image_height, d.image_width);
  n["channels"] = scalar(d.channels);
  n["limit_train"] = scalar(d.limit_train);
  n["limit_test"] = scalar(d.limit_test);
  n["normalize"] = scalar(d.normalize);
  n["split"] = scalar(d.split);
  n["test_root"] = scalar(d.test_root.string());
  n["resize"] = scalar(d.resize);
  n["max_skipped_fraction"] = scalar(d.max_skipped_fraction);
  n["cache"] = scalar(d.cache);
  n["cache_dir"] = scalar(d.cache_dir.string());
  const AugmentConfig& a = d.augment;
  YAML::Node augment(YAML::NodeType::Map);
  YAML::Node scale(YAML::NodeType::Sequence);
  for (double s : a.random_resized_crop_scale) scale.push_back(scalar(s));
  YAML::Node resized_crop(YAML::NodeType::Map);
  resized_crop["scale"] = flow(scale);
  augment["random_resized_crop"] = flow(resized_crop);
  YAML::Node crop(YAML::NodeType::Map);
  crop["padding"] = scalar(a.random_crop_padding);
  augment["random_crop"] = flow(crop);
  augment["hflip"] = scalar(a.hflip);
  augment["rotate"] = scalar(a.rotate_degrees);
  YAML::Node jitter(YAML::NodeType::Map);
  jitter["brightness"] = scalar(a.brightness);
  jitter["contrast"] = scalar(a.contrast);
  jitter["saturation"] = scalar(a.saturation);
  augment["color_jitter"] = flow(jitter);
  n["augment"] = augment;
  YAML::Node synthetic(YAML::NodeType::Map);
  synthetic["classes"] = scalar(d.synthetic_classes);
  synthetic["train"] = scalar(d.synthetic_train);
  synthetic["test"] = scalar(d.synthetic_test);
  n["synthetic"] = flow(synthetic);
  return n;
}

YAML::Node init_from_node(const InitFromConfig& from) {
  YAML::Node n(YAML::NodeType::Map);
  n["path"] = scalar(from.path.string());
  YAML::Node layers(YAML::NodeType::Sequence);
  for (const auto& l : from.layers) layers.push_back(scalar(l));
  n["layers"] = flow(layers);
  YAML::Node rename(YAML::NodeType::Map);
  for (const auto& [their, our] : from.rename) rename[their] = scalar(our);
  n["rename"] = flow(rename);
  n["strict"] = scalar(from.strict);
  return n;
}

}  // namespace

YAML::Node init_node(const InitSpec& init) {
  using Kind = InitSpec::Kind;
  const std::string kind(name_of(init_kind_names, init.kind));
  YAML::Node params(YAML::NodeType::Map);
  switch (init.kind) {
    case Kind::constant:
      return scalar(init.value);
    case Kind::truncated_normal:
    case Kind::normal:
      params["mean"] = scalar(init.mean);
      params["stddev"] = scalar(init.stddev);
      break;
    case Kind::uniform:
      params["low"] = scalar(init.low);
      params["high"] = scalar(init.high);
      break;
    default:
      return scalar(kind);
  }
  YAML::Node n(YAML::NodeType::Map);
  n[kind] = flow(params);
  return flow(n);
}

}  // namespace config

std::string to_yaml(const ExperimentConfig& c) {
  using config::scalar;
  YAML::Node root(YAML::NodeType::Map);
  root["name"] = scalar(c.name);
  root["seed"] = scalar(std::to_string(c.seed));
  root["backend"] = scalar(c.backend);
  root["threads"] = scalar(c.threads);
  root["precision"] = scalar(name_of(precision_names, c.precision));
  root["gpu"] = scalar(c.gpu);
  root["results_dir"] = scalar(c.results_dir.string());
  root["data"] = config::data_node(c.data);
  YAML::Node layers(YAML::NodeType::Sequence);
  for (const auto& l : c.layers) layers.push_back(config::layer_node(l));
  root["model"]["layers"] = layers;
  // Absent when off, so configs without it keep the text, and the hash, they always had.
  if (!c.init_from.path.empty()) root["model"]["init_from"] = config::init_from_node(c.init_from);

  const TrainingConfig& t = c.training;
  YAML::Node training(YAML::NodeType::Map);
  training["epochs"] = scalar(t.epochs);
  training["batch_size"] = scalar(t.batch_size);
  training["eval_batch_size"] = scalar(t.eval_batch_size);
  training["optimizer"] = config::optimizer_node(t.optimizer);
  training["schedule"] = config::schedule_node(t.schedule);
  training["log_every_steps"] = scalar(t.log_every_steps);
  training["dropout"] = scalar(t.dropout);
  // Absent when on, so configs without it keep the text, and the hash, they always had.
  if (!t.batch_norm) training["batch_norm"] = scalar(false);
  training["checkpoint_every_epochs"] = scalar(t.checkpoint_every_epochs);
  training["checkpoint_initial"] = scalar(t.checkpoint_initial);
  // Written only when on, so older configs keep their text and hash (as early_stopping below).
  if (t.checkpoint_keep_every_epochs > 0)
    training["checkpoint_keep_every_epochs"] = scalar(t.checkpoint_keep_every_epochs);
  // Absent when off, so configs without it keep the text, and the hash, they always had.
  if (t.early_stopping.enabled) training["early_stopping"] = config::early_stopping_node(t.early_stopping);
  root["training"] = training;

  const TensorBoardConfig& tb = c.tensorboard;
  YAML::Node tensorboard(YAML::NodeType::Map);
  tensorboard["enabled"] = scalar(tb.enabled);
  tensorboard["every_steps"] = scalar(tb.every_steps);
  tensorboard["histograms_every_steps"] = scalar(tb.histograms_every_steps);
  tensorboard["images_every_steps"] = scalar(tb.images_every_steps);
  tensorboard["flush_seconds"] = scalar(tb.flush_seconds);
  root["tensorboard"] = tensorboard;

  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace expt
