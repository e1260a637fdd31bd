#include <algorithm>

#include <fmt/format.h>

#include "config/enum_names.hpp"
#include "config/map_reader.hpp"
#include "config/nearest.hpp"
#include "config/parse.hpp"
#include "core/path_component.hpp"

namespace expt::config {

namespace {

AugmentConfig parse_augment(const MapReader& augment) {
  AugmentConfig a;
  const MapReader resized_crop(augment.doc(), augment.get("random_resized_crop"), augment.path("random_resized_crop"),
                               {&schema_table("data.augment.random_resized_crop")});
  resized_crop.read("scale", a.random_resized_crop_scale);
  const auto& scale = a.random_resized_crop_scale;  // each in (0, 1] by the schema
  if (scale.size() != 2 || scale[0] > scale[1])
    resized_crop.fail("scale", "invalid value", "expected [min, max] with min <= max");
  const MapReader crop(augment.doc(), augment.get("random_crop"), augment.path("random_crop"),
                       {&schema_table("data.augment.random_crop")});
  crop.read("padding", a.random_crop_padding);
  augment.read("hflip", a.hflip);
  augment.read("rotate", a.rotate_degrees);
  const MapReader jitter(augment.doc(), augment.get("color_jitter"), augment.path("color_jitter"),
                         {&schema_table("data.augment.color_jitter")});
  jitter.read("brightness", a.brightness);
  jitter.read("contrast", a.contrast);
  jitter.read("saturation", a.saturation);
  return a;
}

DataConfig parse_data(const MapReader& r) {
  DataConfig data;
  r.read("dataset", data.dataset);
  r.read("root", data.root);
  r.read("classes", data.classes);
  r.read("test_fraction", data.test_fraction);
  r.read_size2("image_size", data.image_height, data.image_width);
  r.read("channels", data.channels);
  r.read("limit_train", data.limit_train);
  r.read("limit_test", data.limit_test);
  r.read("normalize", data.normalize);
  r.read("split", data.split);
  r.read("test_root", data.test_root);
  r.read("resize", data.resize);
  r.read("max_skipped_fraction", data.max_skipped_fraction);
  r.read("cache", data.cache);
  r.read("cache_dir", data.cache_dir);
  data.augment = parse_augment(MapReader(r.doc(), r.get("augment"), r.path("augment"), {&schema_table("data.augment")}));
  const MapReader synthetic(r.doc(), r.get("synthetic"), r.path("synthetic"), {&schema_table("data.synthetic")});
  synthetic.read("classes", data.synthetic_classes);
  synthetic.read("train", data.synthetic_train);
  synthetic.read("test", data.synthetic_test);
  return data;
}

OptimizerConfig parse_optimizer(const ConfigDocument& doc, const YAML::Node& node, const std::string& path) {
  const SchemaTable& common = schema_table("optimizer");
  const std::string type = read_type(doc, node, path, common);
  const MapReader r(doc, node, path, {&common, &schema_table("optimizer." + type)});
  OptimizerConfig o;
  r.read("type", o.kind, optimizer_kind_names);
  r.read("learning_rate", o.learning_rate);
  r.read("weight_decay", o.weight_decay);
  r.read("momentum", o.momentum);
  r.read("nesterov", o.nesterov);
  r.read("beta1", o.beta1);
  r.read("beta2", o.beta2);
  r.read("epsilon", o.epsilon);
  return o;
}

ScheduleConfig parse_schedule(const ConfigDocument& doc, const YAML::Node& node, const std::string& path) {
  const SchemaTable& common = schema_table("schedule");
  const std::string type = read_type(doc, node, path, common);
  const MapReader r(doc, node, path, {&common, &schema_table("schedule." + type)});
  ScheduleConfig s;
  r.read("type", s.kind, schedule_kind_names);
  r.read("warmup_epochs", s.warmup_epochs);
  r.read("step_epochs", s.step_epochs);
  r.read("milestones", s.milestones);
  r.read("gamma", s.gamma);
  r.read("min_learning_rate", s.min_learning_rate);
  for (size_t i = 1; i < s.milestones.size(); ++i)
    if (s.milestones[i] <= s.milestones[i - 1])
      r.fail("milestones", "invalid value", "milestones must be strictly increasing");
  return s;
}

// Absent or null: off. Any map, even `{}`, turns it on.
EarlyStoppingConfig parse_early_stopping(const MapReader& training) {
  EarlyStoppingConfig e;
  const YAML::Node node = training.get("early_stopping");
  e.enabled = node.IsDefined() && !node.IsNull();
  const MapReader r(training.doc(), node, training.path("early_stopping"), {&schema_table("training.early_stopping")});
  r.read("metric", e.metric, epoch_metric_names);
  r.read("patience", e.patience);
  r.read("min_delta", e.min_delta);
  r.read("restore_best", e.restore_best);
  return e;
}

TrainingConfig parse_training(const MapReader& r) {
  TrainingConfig t;
  r.read("epochs", t.epochs);
  r.read("batch_size", t.batch_size);
  r.read("eval_batch_size", t.eval_batch_size);
  t.optimizer = parse_optimizer(r.doc(), r.get("optimizer"), r.path("optimizer"));
  t.schedule = parse_schedule(r.doc(), r.get("schedule"), r.path("schedule"));
  r.read("log_every_steps", t.log_every_steps);
  r.read("dropout", t.dropout);
  r.read("batch_norm", t.batch_norm);
  r.read("checkpoint_every_epochs", t.checkpoint_every_epochs);
  r.read("checkpoint_initial", t.checkpoint_initial);
  r.read("checkpoint_keep_every_epochs", t.checkpoint_keep_every_epochs);
  t.early_stopping = parse_early_stopping(r);
  return t;
}

TensorBoardConfig parse_tensorboard(const MapReader& r) {
  TensorBoardConfig tb;
  r.read("enabled", tb.enabled);
  r.read("every_steps", tb.every_steps);
  r.read("histograms_every_steps", tb.histograms_every_steps);
  r.read("images_every_steps", tb.images_every_steps);
  r.read("flush_seconds", tb.flush_seconds);
  return tb;
}

// The file itself is read after the network is planned (build_config); here only the names.
InitFromConfig parse_init_from(const MapReader& model, const std::vector<LayerSpec>& layers, LayerSources& sources) {
  InitFromConfig from;
  if (!model.has("init_from") || model.get("init_from").IsNull()) return from;  // null: off, as when absent
  const MapReader r(model.doc(), model.get("init_from"), model.path("init_from"), {&schema_table("model.init_from")});
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l.name);
  const auto is_layer = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) != names.end(); };
  r.read("path", from.path);
  sources.init_from_path = r.where("path");
  r.read("layers", from.layers);
  for (size_t i = 0; i < from.layers.size(); ++i)
    if (!is_layer(from.layers[i]))
      fail_at(r.doc(), r.get("layers")[i], fmt::format("{}[{}]", r.path("layers"), i), "unknown layer",
              fmt::format("no layer is named '{}'{}", from.layers[i], suggestion(from.layers[i], names)));
  r.read("strict", from.strict);
  const YAML::Node rename = r.get("rename");
  if (!rename.IsDefined() || rename.IsNull()) return from;
  if (!rename.IsMap()) r.fail("rename", "wrong type", "expected a map {their_name: our_name}");
  for (const auto& entry : rename) {
    const std::string path = join_path(r.path("rename"), entry.first.Scalar());
    if (!entry.first.IsScalar() || !entry.second.IsScalar())
      fail_at(r.doc(), entry.second, path, "wrong type", "expected a layer name of this model");
    const std::string our = entry.second.Scalar();
    if (!is_layer(our))
      fail_at(r.doc(), entry.second, path, "unknown layer", fmt::format("no layer is named '{}'{}", our, suggestion(our, names)));
    for (const auto& [their, taken] : from.rename)
      if (taken == our)
        fail_at(r.doc(), entry.second, path, "duplicate rename", fmt::format("'{}' is also the new name of '{}'", our, their));
    from.rename[entry.first.Scalar()] = our;
  }
  return from;
}

}  // namespace

ExperimentConfig parse_experiment(const ConfigDocument& doc, const std::string& default_name, LayerSources& sources) {
  const MapReader top(doc, doc.root(), "", {&schema_table("top")});
  ExperimentConfig c;
  c.name = default_name;
  top.read("name", c.name);
  // The name is the run's folder under results_dir, so it must be one new path component.
  if (const std::string problem = folder_name_problem(c.name); !problem.empty())
    top.fail("name", "invalid name",
             top.has("name") ? problem
                             : fmt::format("the file name's stem is the run name when `name:` is absent, and {}", problem));
  top.read("seed", c.seed);
  top.read("backend", c.backend);
  top.read("threads", c.threads);
  top.read("precision", c.precision, precision_names);
  top.read("gpu", c.gpu);
  top.read("results_dir", c.results_dir);
  c.data = parse_data(MapReader(doc, top.get("data"), "data", {&schema_table("data")}));
  const MapReader model(doc, top.get("model"), "model", {&schema_table("model")});
  c.layers = parse_layers(doc, model.get("layers"), "model.layers", sources);
  c.init_from = parse_init_from(model, c.layers, sources);
  c.training = parse_training(MapReader(doc, top.get("training"), "training", {&schema_table("training")}));
  c.tensorboard = parse_tensorboard(MapReader(doc, top.get("tensorboard"), "tensorboard", {&schema_table("tensorboard")}));
  return c;
}

}  // namespace expt::config
