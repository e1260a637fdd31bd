#include "config/schema.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "config/emit_yaml.hpp"
#include "config/enum_names.hpp"
#include "config/experiment_config.hpp"
#include "layers/layer_registry.hpp"

namespace expt::config {

namespace {

SchemaKey key_of(std::string key, ValueType type, std::string default_yaml, std::string unit, Range range,
                 std::string doc) {
  SchemaKey k;
  k.key = std::move(key);
  k.type = type;
  k.default_yaml = std::move(default_yaml);
  k.unit = std::move(unit);
  k.range = range;
  k.doc = std::move(doc);
  return k;
}
SchemaKey integer(std::string key, int64_t def, Range range, std::string unit, std::string doc) {
  return key_of(std::move(key), ValueType::integer, std::to_string(def), std::move(unit), range, std::move(doc));
}
SchemaKey number(std::string key, double def, Range range, std::string unit, std::string doc) {
  return key_of(std::move(key), ValueType::number, number_text(def), std::move(unit), range, std::move(doc));
}
SchemaKey boolean(std::string key, bool def, std::string doc) {
  return key_of(std::move(key), ValueType::boolean, def ? "true" : "false", "", {}, std::move(doc));
}
SchemaKey choice(std::string key, std::string_view def, std::vector<std::string> choices, std::string doc) {
  SchemaKey k = key_of(std::move(key), ValueType::choice, std::string(def), "", {}, std::move(doc));
  k.choices = std::move(choices);
  return k;
}
SchemaKey size2(std::string key, int64_t def, Range range, std::string unit, std::string doc) {
  return key_of(std::move(key), ValueType::size2, std::to_string(def), std::move(unit), range, std::move(doc));
}
SchemaKey typed(std::string key, ValueType type, std::string default_yaml, std::string doc) {
  return key_of(std::move(key), type, std::move(default_yaml), "", {}, std::move(doc));
}
SchemaKey section(std::string key, std::string table, std::string doc) {
  SchemaKey k = key_of(std::move(key), ValueType::section, "", "", {}, std::move(doc));
  k.section = std::move(table);
  return k;
}

std::vector<SchemaTable> layer_tables() {
  std::vector<std::string> types;
  for (const auto* d : layer_descriptors()) types.push_back(d->type);
  std::vector<SchemaTable> tables{
      {"layer", "keys of every entry of `model.layers`",
       "Each entry of `model.layers` is a map with a `type` and the keys of that type's table below.",
       {required(choice("type", "", types, "what the layer computes")),
        derived(typed("name", ValueType::string, "", "unique; letters, digits, `_` and `-`, not starting with a digit; "
                                                     "names parameters (`<name>.weight`) and overrides "
                                                     "(`model.layers.<name>.<key>`)"),
                "`<type>_<n>`"),
        derived(typed("input", ValueType::string, "",
                      "the layer whose output this one reads, by name: an earlier layer, or `input` for the "
                      "network's input; builds branches such as a residual block's shortcut"),
                "the previous layer"),
        boolean("trainable", LayerSpec{}.trainable,
                "false freezes the layer's parameters: no gradients, no optimizer state, no backward pass below "
                "the lowest trainable layer; ignored by layers without parameters"),
        number("lr_multiplier", LayerSpec{}.lr_multiplier, at_least(0), "",
               "the layer's parameters are updated with training's learning rate times this")}}};
  for (const auto* d : layer_descriptors())
    tables.push_back({"layer." + d->type, fmt::format("layer type `{}`", d->type), d->summary, d->schema_rows()});
  const LayerSpec weighted;  // conv2d and dense start from the same initializers
  tables.push_back(
      {"init", "the `init` key of `conv2d` and `dense` layers",
       "Each value is an initializer (next tables): `{kind: {params}}`, a bare kind name for its defaults, or a "
       "bare number for a constant. fan_in and fan_out come from the parameter's shape.",
       {typed("weights", ValueType::initializer, flow_text(init_node(weighted.weight_init)),
              "initializer of the weights"),
        typed("bias", ValueType::initializer, flow_text(init_node(weighted.bias_init)), "initializer of the bias")}});
  return tables;
}

std::vector<SchemaTable> initializer_tables() {
  const InitSpec d;
  const auto mean = number("mean", d.mean, {}, "", "mean of the distribution");
  const auto stddev = number("stddev", d.stddev, above(0), "", "standard deviation before truncation");
  return {
      {"initializer.truncated_normal", "initializer `truncated_normal`",
       "normal(mean, stddev), values further than 2 stddev from the mean are redrawn (TensorFlow's "
       "`truncated_normal`).",
       {mean, stddev}},
      {"initializer.normal", "initializer `normal`", "normal(mean, stddev).",
       {mean, number("stddev", d.stddev, above(0), "", "standard deviation")}},
      {"initializer.uniform", "initializer `uniform`", "uniform(low, high); needs low < high.",
       {number("low", d.low, {}, "", "lower bound"), number("high", d.high, {}, "", "upper bound")}},
      {"initializer.constant", "initializer `constant`",
       "Every element = value. Written `{constant: 0.1}`, `{constant: {value: 0.1}}` or just `0.1`.",
       {number("value", d.value, {}, "", "the value")}},
      {"initializer.glorot_uniform", "initializer `glorot_uniform`",
       "uniform(-a, a) with a = sqrt(6 / (fan_in + fan_out)). No keys.", {}},
      {"initializer.glorot_normal", "initializer `glorot_normal`",
       "truncated normal with stddev = sqrt(2 / (fan_in + fan_out)) / 0.8796 (Keras's rule). No keys.", {}},
      {"initializer.he_uniform", "initializer `he_uniform`", "uniform(-a, a) with a = sqrt(6 / fan_in). No keys.", {}},
      {"initializer.he_normal", "initializer `he_normal`",
       "truncated normal with stddev = sqrt(2 / fan_in) / 0.8796 (Keras's rule). No keys.", {}},
  };
}

std::vector<SchemaTable> optimizer_tables() {
  const OptimizerConfig d;
  const auto beta = [](std::string key, double def, std::string doc) { return number(key, def, fraction(), "", doc); };
  const std::vector<SchemaKey> adam_keys{
      beta("beta1", d.beta1, "decay of the first-moment (mean) estimate"),
      beta("beta2", d.beta2, "decay of the second-moment estimate"),
      number("epsilon", d.epsilon, above(0), "", "added to the root of the second moment"),
  };
  return {
      {"optimizer", "`training.optimizer`, keys of every type", "Keys of all optimizers; `type` selects one of the next tables.",
       {choice("type", name_of(optimizer_kind_names, d.kind), all_names(optimizer_kind_names), "the update rule"),
        number("learning_rate", d.learning_rate, above(0), "", "step size before the schedule is applied"),
        number("weight_decay", d.weight_decay, at_least(0), "",
               "sgd, momentum, adam: L2 penalty added to the gradient; adamw: decoupled decay")}},
      {"optimizer.sgd", "optimizer type `sgd`", "w -= lr * g. No extra keys.", {}},
      {"optimizer.momentum", "optimizer type `momentum`", "Heavy-ball momentum (PyTorch's form: v = m * v + g; w -= lr * v).",
       {number("momentum", d.momentum, fraction(), "", "momentum factor"),
        boolean("nesterov", d.nesterov, "use Nesterov's look-ahead form")}},
      {"optimizer.adam", "optimizer type `adam`", "Adam (Kingma and Ba), with bias correction.", adam_keys},
      {"optimizer.adamw", "optimizer type `adamw`", "Adam with decoupled weight decay (Loshchilov and Hutter).", adam_keys},
  };
}

std::vector<SchemaTable> schedule_tables() {
  const ScheduleConfig d;
  const auto gamma = [&](std::string doc) { return number("gamma", d.gamma, above(0), "", std::move(doc)); };
  return {
      {"schedule", "`training.schedule`, keys of every type",
       "How the learning rate changes over epochs; `type` selects one of the next tables.",
       {choice("type", name_of(schedule_kind_names, d.kind), all_names(schedule_kind_names), "the schedule"),
        number("warmup_epochs", d.warmup_epochs, at_least(0), "epochs",
               "first ramp the rate linearly from 0 over this many epochs")}},
      {"schedule.constant", "schedule type `constant`", "The learning rate stays as given. No extra keys.", {}},
      {"schedule.step", "schedule type `step`", "lr * gamma^floor(epoch / step_epochs).",
       {number("step_epochs", d.step_epochs, above(0), "epochs", "decay every this many epochs"),
        gamma("factor per step")}},
      {"schedule.multistep", "schedule type `multistep`", "lr * gamma^(number of milestones passed).",
       {required(key_of("milestones", ValueType::number_list, "", "epochs", above(0),
                        "increasing epochs at which to decay")),
        gamma("factor per milestone")}},
      {"schedule.exponential", "schedule type `exponential`", "lr * gamma^epoch.", {gamma("factor per epoch")}},
      {"schedule.cosine", "schedule type `cosine`",
       "Cosine from the learning rate down to min_learning_rate at the last epoch.",
       {number("min_learning_rate", d.min_learning_rate, at_least(0), "", "the floor reached at the last epoch")}},
  };
}

SchemaKey channels_key(int64_t def) {
  SchemaKey k = integer("channels", def, {}, "channels", "1 = grayscale, 3 = RGB; 0 = the data set's own");
  k.choices = {"0", "1", "3"};
  return k;
}

std::vector<SchemaTable> build_tables() {
  const ExperimentConfig top;
  const DataConfig data;
  const TrainingConfig training;
  const TensorBoardConfig tb;
  std::vector<SchemaTable> tables{
      {"top", "the top level of the document", "The document is a map with these keys.",
       {derived(typed("name", ValueType::string, "",
                      "names the run and its folder; letters, digits, `.`, `_` and `-`, at most 255 bytes, not `.` or `..`"),
                "file stem"),
        integer("seed", static_cast<int64_t>(top.seed), at_least(0), "",
                "seeds initialization, shuffling, dropout and data splits"),
        choice("backend", top.backend, {"auto", "onednn", "cudnn", "reference"},
               "`auto`: cudnn when a GPU is usable, else onednn"),
        integer("threads", top.threads, at_least(0), "threads",
                "CPU threads; 0 = all cores. CPU results differ slightly between thread counts (summation order); "
                "report.json records the count"),
                choice("precision", name_of(precision_names, top.precision), all_names(precision_names),
               "arithmetic precision. fp32: fp32 tensors, with the faster algorithms each backend allows (onednn: "
               "Winograd convolutions on AVX-512 and AVX2 CPUs, within about 1e-5 of direct, and an optimizer update "
               "that flushes values below about 1.2e-38 (denormals) to zero, as TensorFlow's CPU kernels do; cudnn: "
               "TF32 tensor cores, about 1e-3); fp32_strict: none of these; tf32: TF32 explicitly; bf16, fp16: that "
               "compute type with fp32 master weights (onednn's update flushes denormals as in fp32). onednn runs bf16 only on AVX-512 CPUs, at a speed that depends on the CPU: the seed "
               "network's bf16 step took less time than fp32's on AMD Zen 5 and longer on an Intel Xeon without "
               "AMX (docs/benchmarks.md); `expt validate` and `expt run` refuse what this machine cannot run"),
        integer("gpu", top.gpu, at_least(0), "", "CUDA device index (cudnn backend)"),
        typed("results_dir", ValueType::path, top.results_dir.string(), "where run folders are created"),
        section("data", "data", "the data set"),
        required(section("model", "model", "the network")),
        section("training", "training", "how the network is trained"),
        section("tensorboard", "tensorboard", "TensorBoard event files"),
        typed("vars", ValueType::any, "",
              "free-form values for `${vars.x}` references; not validated, not written to the resolved config")}},
      {"data", "the data set", "Which images to train and test on. Relative paths are relative to the working directory.",
       {choice("dataset", data.dataset, {"idx", "synthetic", "oxford_pets", "image_folder"},
               "`idx`: MNIST-format files; `synthetic`: generated, for tests; `oxford_pets`: the Oxford-IIIT Pet "
               "data set; `image_folder`: one subfolder per class"),
        typed("root", ValueType::path, "\"\"", "folder holding the data set"),
        typed("classes", ValueType::string_list, "[]",
              "class names to keep, labelled in this order (image data sets); [] or [all] = all"),
        number("test_fraction", data.test_fraction, fraction(), "fraction",
               "> 0: hold out this fraction of the training data as the test set"),
        size2("image_size", data.image_height, at_least(0), "pixels", "resize to [h, w]; 0 = the data set's own size"),
        channels_key(data.channels),
        integer("limit_train", data.limit_train, at_least(0), "images",
                "> 0: train on the first N examples only (quick checks)"),
        integer("limit_test", data.limit_test, at_least(0), "images", "> 0: test on the first N examples only"),
        choice("normalize", data.normalize, {"per_channel_mean", "mean_image", "none"},
               "subtract the training set's per-channel mean and divide by its std, subtract the mean image, or "
               "only scale to [0, 1]"),
        choice("split", data.split, {"test_fraction", "official"},
               "oxford_pets: `official` trains on annotations/trainval.txt and tests on test.txt; `test_fraction` "
               "holds out that fraction of list.txt"),
        typed("test_root", ValueType::path, "\"\"",
              "image_folder: class folders of the test split; \"\" = hold out test_fraction instead"),
        choice("resize", data.resize, {"stretch", "shorter_side_then_center_crop"},
               "image data sets: to image_size as is, or keeping the aspect ratio and cropping the middle"),
        number("max_skipped_fraction", data.max_skipped_fraction, fraction(), "fraction",
               "image data sets: files that cannot be decoded are skipped and listed in the report; more than this "
               "fraction of them stops the load"),
        boolean("cache", data.cache, "image data sets: keep the decoded, resized images for the next run"),
        typed("cache_dir", ValueType::path, "\"\"", "where the decoded images are kept; \"\" = $XDG_CACHE_HOME/expt, "
                                                   "else ~/.cache/expt"),
        section("augment", "data.augment", "random changes to the training images (image data sets)"),
        section("synthetic", "data.synthetic", "sizes of the generated data set (dataset: synthetic)")}},
      {"data.augment", "random changes to the training images",
       "Random changes to each training image, in this order, drawn from (seed, epoch, position in the epoch) so a "
       "run is reproducible; the test images are never changed. Every default is off.",
       {section("random_resized_crop", "data.augment.random_resized_crop",
                "crop a random region and resize it back to image_size"),
        section("random_crop", "data.augment.random_crop", "shift the image by a random offset"),
        boolean("hflip", data.augment.hflip, "mirror each image left-right with probability 1/2"),
        number("rotate", data.augment.rotate_degrees, at_least(0), "degrees",
               "rotate by a uniform angle in [-rotate, rotate] about the centre, black corners; 0 = off"),
        section("color_jitter", "data.augment.color_jitter", "random brightness, contrast and saturation")}},
      {"data.augment.random_resized_crop", "random region, resized back",
       "A region of random area (a fraction of the image) and aspect ratio (3/4 to 4/3) is resized to image_size.",
       {key_of("scale", ValueType::number_list, "[1, 1]", "fraction", unit_interval_above_zero(),
               "[min, max] area of the region; [1, 1] = off, [0.08, 1] as in Inception")}},
      {"data.augment.random_crop", "random shift",
       "Zero-pad every side, then crop image_size at a random offset.",
       {integer("padding", data.augment.random_crop_padding, at_least(0), "pixels", "padding per side; 0 = off")}},
      {"data.augment.color_jitter", "random colour changes",
       "Each factor is drawn uniformly from [1 - x, 1 + x] and applied in this order; 0 = off.",
       {number("brightness", data.augment.brightness, fraction(), "fraction", "scales every pixel"),
        number("contrast", data.augment.contrast, fraction(), "fraction", "scales the distance to the image's mean gray"),
        number("saturation", data.augment.saturation, fraction(), "fraction",
               "scales the distance to each pixel's gray (3 channels)")}},
      {"data.synthetic", "generated data", "Generated images, for tests and demos; only read when `dataset: synthetic`.",
       {integer("classes", data.synthetic_classes, at_least(2), "classes", "number of classes"),
        integer("train", data.synthetic_train, at_least(1), "images", "training images"),
        integer("test", data.synthetic_test, at_least(1), "images", "test images")}},
      {"model", "the network", "The network, input to logits.",
       {required(typed("layers", ValueType::layer_list, "", "the layers in order; the last must be "
                                                            "`dense` with `units: classes` and no activation")),
        section("init_from", "model.init_from", "start from the weights of a safetensors file; absent = initialize only")}},
      {"model.init_from", "weights from a safetensors file",
       "Present: a new run (not `--resume`) overwrites the initialized parameters of the listed layers with the "
       "file's tensors, named `<layer>.weight`, `<layer>.bias`, ... as in expt's checkpoints and PyTorch's "
       "state_dict (`optimizer.*` tensors are ignored). The file's header is checked against the model when the "
       "config loads: names, F32 type and shapes.",
       {required(typed("path", ValueType::path, "", "the safetensors file; relative to the working directory")),
        typed("layers", ValueType::string_list, "[]", "the layers to load; [] = every layer with parameters"),
        typed("rename", ValueType::any, "{}",
              "the file's layer names that differ from ours, `{their_name: our_name}`"),
        boolean("strict", InitFromConfig{}.strict,
                "every tensor of the listed layers must be in the file, and the file may hold no other tensor of "
                "them (of any layer when `layers` is []); false: missing ones keep their initialization, others "
                "are ignored. A shape that differs is an error either way")}},
      {"training", "the training loop", "The training loop.",
       {integer("epochs", training.epochs, at_least(1), "epochs", "passes over the training set"),
        integer("batch_size", training.batch_size, at_least(1), "images", "images per training step"),
        integer("eval_batch_size", training.eval_batch_size, at_least(0), "images",
                "images per evaluation batch; 0 = batch_size"),
        section("optimizer", "optimizer", "the update rule"),
        section("schedule", "schedule", "the learning-rate schedule"),
        integer("log_every_steps", training.log_every_steps, at_least(1), "steps", "log loss and accuracy this often"),
        boolean("dropout", training.dropout, "false turns every dropout layer off (the \"without dropout\" run)"),
        boolean("batch_norm", training.batch_norm,
                "false leaves every batch_norm layer out of the network (the \"without batch norm\" run); "
                "written to the resolved config only when false"),
        integer("checkpoint_every_epochs", training.checkpoint_every_epochs, at_least(0), "epochs",
                "save a checkpoint this often; 0 = only at the end"),
        boolean("checkpoint_initial", training.checkpoint_initial,
                "also save the untrained weights as checkpoints/step-0.safetensors"),
        integer("checkpoint_keep_every_epochs", training.checkpoint_keep_every_epochs, at_least(0), "epochs",
                "also keep the weights as checkpoints/epoch-<n>.safetensors every this many epochs, for `expt "
                "visualize --filters`; 0 = off (last and best only)"),
        section("early_stopping", "training.early_stopping",
                "stop when the test metric stops improving; absent = train every epoch")}},
      {"training.early_stopping", "stopping when the test metric stops improving",
       "Present (`{}` takes every default): after each epoch the whole-test-set metric is compared with the best "
       "so far; an epoch improves on it when it is better by more than min_delta. The run stops with status "
       "`stopped_early` after `patience` epochs in a row without improvement. The same metric and min_delta choose "
       "checkpoints/best.safetensors (without early stopping: test accuracy, any improvement).",
       {choice("metric", name_of(epoch_metric_names, training.early_stopping.metric), all_names(epoch_metric_names),
               "what is compared: lower test loss or higher test accuracy is better"),
        integer("patience", training.early_stopping.patience, at_least(1), "epochs",
                "epochs in a row without improvement before the run stops"),
        number("min_delta", training.early_stopping.min_delta, at_least(0), "",
               "a change of at most this much is no improvement"),
        boolean("restore_best", training.early_stopping.restore_best,
                "end the run with the best epoch's weights: checkpoints/last.safetensors is rewritten with them "
                "(weights only) and the report's final metrics are that epoch's")}},
      {"tensorboard", "TensorBoard output", "Event files for TensorBoard, written into the run folder.",
       {boolean("enabled", tb.enabled, "write event files"),
        integer("every_steps", tb.every_steps, at_least(0), "steps", "scalars this often; 0 = training.log_every_steps"),
        integer("histograms_every_steps", tb.histograms_every_steps, at_least(0), "steps",
                "weight histograms this often; 0 = never"),
        integer("images_every_steps", tb.images_every_steps, at_least(0), "steps",
                "first-layer filters and feature maps of a test image this often; 0 = never"),
        number("flush_seconds", tb.flush_seconds, above(0), "seconds", "flush event files at least this often")}},
  };
  for (auto* more : {layer_tables, initializer_tables, optimizer_tables, schedule_tables})
    for (auto& t : more()) tables.push_back(std::move(t));
  return tables;
}

std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

const std::vector<SchemaTable>& schema_tables() {
  static const std::vector<SchemaTable> tables = build_tables();
  return tables;
}

const SchemaTable& schema_table(std::string_view id) {
  for (const auto& t : schema_tables())
    if (t.id == id) return t;
  throw std::logic_error(fmt::format("no schema table '{}'", id));
}

std::string schema_markdown(const SchemaTable& table) {
  std::string out = fmt::format("### `{}`: {}\n\n{}\n\n", table.id, table.title, table.doc);
  if (table.keys.empty()) return out;
  out += "| key | type | default | unit | allowed | meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& k : table.keys) {
    std::string type(type_name(k.type));
    if (k.type == ValueType::section) type = fmt::format("map (table `{}`)", k.section);
    const std::string def = k.default_yaml.empty() ? k.default_note : fmt::format("`{}`", k.default_yaml);
    out += fmt::format("| `{}` | {} | {} | {} | {} | {} |\n", k.key, cell(type), cell(def), k.unit,
                       cell(k.allowed_text()), cell(k.doc));
  }
  return out;
}

}  // namespace expt::config
