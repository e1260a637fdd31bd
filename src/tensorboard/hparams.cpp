#include "tensorboard/hparams.hpp"

#include <charconv>

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include "core/error.hpp"
#include "tb_hparams.pb.h"
#include "tensorboard/event_file_writer.hpp"

namespace expt {
namespace {

// Names and version the hparams plugin looks for (tensorboard/plugins/hparams/metadata.py).
constexpr const char* kPluginName = "hparams";
constexpr int kPluginDataVersion = 0;
constexpr const char* kExperimentTag = "_hparams_/experiment";
constexpr const char* kSessionStartTag = "_hparams_/session_start_info";
constexpr const char* kSessionEndTag = "_hparams_/session_end_info";

std::optional<HParamValue> scalar_value(const YAML::Node& node) {
  if (node.IsNull()) return std::nullopt;
  const std::string& text = node.Scalar();
  // A quoted scalar carries the "!" tag: a string even when it looks like a number.
  if (node.Tag() == "!") return text;
  if (text == "true" || text == "false") return text == "true";
  try {
    return node.as<double>();
  } catch (const YAML::Exception&) {
    return text;
  }
}

void flatten(const YAML::Node& node, const std::string& path, std::map<std::string, HParamValue>& out) {
  const auto child = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
  if (node.IsMap()) {
    for (const auto& kv : node) flatten(kv.second, child(kv.first.as<std::string>()), out);
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) flatten(node[i], child(std::to_string(i)), out);
  } else if (node.IsScalar() || node.IsNull()) {
    if (auto v = scalar_value(node); v && !path.empty()) out[path] = std::move(*v);
  }
}

google::protobuf::Value to_proto(const HParamValue& v) {
  google::protobuf::Value p;
  if (const bool* b = std::get_if<bool>(&v)) p.set_bool_value(*b);
  else if (const double* d = std::get_if<double>(&v)) p.set_number_value(*d);
  else p.set_string_value(std::get<std::string>(v));
  return p;
}

tb::HParamDataType type_of(const HParamValue& v) {
  if (std::holds_alternative<bool>(v)) return tb::DATA_TYPE_BOOL;
  if (std::holds_alternative<double>(v)) return tb::DATA_TYPE_FLOAT64;
  return tb::DATA_TYPE_STRING;
}

// The plugin keeps its data in the metadata; the value itself is an empty float tensor.
tb::Summary::Value plugin_summary(const char* tag, tb::HParamsPluginData data) {
  data.set_version(kPluginDataVersion);
  tb::Summary::Value v;
  v.set_tag(tag);
  auto* plugin = v.mutable_metadata()->mutable_plugin_data();
  plugin->set_plugin_name(kPluginName);
  plugin->set_content(data.SerializeAsString());
  auto* tensor = v.mutable_tensor();
  tensor->set_dtype(tb::DT_FLOAT);
  tensor->mutable_tensor_shape()->add_dim()->set_size(0);
  return v;
}

void add_metric(tb::Experiment& e, const char* tag, const char* display_name) {
  tb::MetricInfo& m = *e.add_metric_infos();
  m.mutable_name()->set_tag(tag);   // group "": the session's own folder
  m.set_display_name(display_name);
}

}  // namespace

std::map<std::string, HParamValue> flatten_hparams(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw ConfigError(fmt::format("resolved config is not valid YAML: {}", e.what()));
  }
  std::map<std::string, HParamValue> out;
  flatten(root, "", out);
  return out;
}

HParamValue hparam_value(const std::string& text) {
  if (text == "true" || text == "false") return text == "true";
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size()) return number;
  return text;
}

tb::Summary::Value session_start_summary(const std::map<std::string, HParamValue>& hparams, double start_time_secs) {
  tb::HParamsPluginData data;
  auto* start = data.mutable_session_start_info();
  for (const auto& [name, value] : hparams) (*start->mutable_hparams())[name] = to_proto(value);
  start->set_start_time_secs(start_time_secs);
  return plugin_summary(kSessionStartTag, std::move(data));
}

tb::Summary::Value session_end_summary(RunStatus status, double end_time_secs) {
  tb::HParamsPluginData data;
  auto* end = data.mutable_session_end_info();
  const bool finished = status == RunStatus::completed || status == RunStatus::stopped_early;
  end->set_status(finished ? tb::STATUS_SUCCESS : tb::STATUS_FAILURE);
  end->set_end_time_secs(end_time_secs);
  return plugin_summary(kSessionEndTag, std::move(data));
}

void write_sweep_hparams(const std::filesystem::path& sweep_root, const std::vector<SweepHParam>& hparams,
                         std::string_view description) {
  tb::HParamsPluginData data;
  tb::Experiment& e = *data.mutable_experiment();
  e.set_description(std::string(description));
  e.set_time_created_secs(wall_time_now());
  for (const SweepHParam& h : hparams) {
    tb::HParamInfo& info = *e.add_hparam_infos();
    info.set_name(h.name);
    for (const HParamValue& v : h.values) {
      if (info.type() != tb::DATA_TYPE_UNSET && info.type() != type_of(v))
        throw Error(ExitCode::failure, fmt::format("sweep hyperparameter '{}' mixes value types", h.name));
      info.set_type(type_of(v));
      *info.mutable_domain_discrete()->add_values() = to_proto(v);
    }
  }
  add_metric(e, kFinalTestAccuracyTag, "final test accuracy");
  add_metric(e, kBestTestAccuracyTag, "best test accuracy");
  add_metric(e, kTrainTestGapTag, "train - test accuracy");

  tb::Event event;
  event.set_wall_time(wall_time_now());
  *event.mutable_summary()->add_value() = plugin_summary(kExperimentTag, std::move(data));
  write_event_file_atomically(sweep_root / "events.out.tfevents.sweep-hparams", {event});
}

}  // namespace expt
