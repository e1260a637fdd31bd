#include "experiment/report.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/schema_version.hpp"

namespace expt {
namespace {

RunStatus status_named(const std::string& name) {
  for (const auto& n : run_status_names)
    if (n.name == name) return n.value;
  throw std::runtime_error(fmt::format("unknown status '{}'", name));
}

}  // namespace

const EpochRecord* Report::final_epoch() const {
  for (const auto& e : epochs)
    if (e.epoch == final_weights_epoch) return &e;
  return epochs.empty() ? nullptr : &epochs.back();
}
double Report::final_test_accuracy() const { return final_epoch() ? final_epoch()->test_accuracy : 0.0; }
double Report::best_test_accuracy() const {
  double best = 0;
  for (const auto& e : epochs) best = std::max(best, e.test_accuracy);
  return best;
}
int64_t Report::best_epoch() const {
  int64_t best = 0;
  double acc = -1;
  for (const auto& e : epochs)
    if (e.test_accuracy > acc) acc = e.test_accuracy, best = e.epoch;
  return best;
}
double Report::final_train_accuracy() const { return final_epoch() ? final_epoch()->train_accuracy : 0.0; }
double Report::images_per_second() const {
  return train_seconds > 0 ? static_cast<double>(train_examples) * static_cast<double>(epochs.size()) / train_seconds
                           : 0.0;
}

nlohmann::ordered_json to_json(const Report& r) {
  nlohmann::ordered_json j;
  j["schema_version"] = kReportSchemaVersion;
  j["name"] = r.name;
  j["run_id"] = r.run_id;
  j["status"] = name_of(run_status_names, r.status);
  j["message"] = r.message;
  j["config_hash"] = r.config_hash;
  j["config_file"] = r.config_file;
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["precision"] = r.precision;
  j["seed"] = r.seed;
  j["threads"] = r.threads;
  j["git_commit"] = r.git_commit;
  j["expt_version"] = r.expt_version;
  j["started_at"] = r.started_at;
  j["finished_at"] = r.finished_at;
  j["timings"] = {{"setup_seconds", r.setup_seconds},
                  {"train_seconds", r.train_seconds},
                  {"eval_seconds", r.eval_seconds},
                  {"total_seconds", r.total_seconds}};
  j["model"] = {{"parameters", r.parameters}, {"forward_flops_per_image", r.forward_flops_per_image}};
  j["data"] = {{"train_examples", r.train_examples},
               {"test_examples", r.test_examples},
               {"class_names", r.class_names},
               {"skipped_files", r.skipped_files},
               {"files", r.data_files},
               {"decoded", r.data_decoded},
               {"cache", r.data_cache},
               {"load_seconds", r.data_load_seconds}};
  j["memory"] = {{"network_bytes", r.network_memory_bytes}, {"peak_resident_bytes", r.peak_resident_bytes}};
  j["summary"] = {{"epochs_done", r.epochs.size()},
                  {"final_test_accuracy", r.final_test_accuracy()},
                  {"best_test_accuracy", r.best_test_accuracy()},
                  {"best_epoch", r.best_epoch()},
                  {"final_train_accuracy", r.final_train_accuracy()},
                  {"train_test_gap", r.final_train_accuracy() - r.final_test_accuracy()},
                  {"images_per_second", r.images_per_second()},
                  {"final_weights_epoch", r.final_epoch() ? r.final_epoch()->epoch : 0},
                  {"stopped_epoch", r.status == RunStatus::stopped_early ? r.epochs.size() : 0}};
  j["best_checkpoint"] = {{"file", r.best_checkpoint_epoch > 0 ? "checkpoints/best.safetensors" : ""},
                          {"epoch", r.best_checkpoint_epoch},
                          {"metric", r.best_checkpoint_metric}};
  auto& epochs = j["history"]["epochs"] = nlohmann::ordered_json::array();
  for (const auto& e : r.epochs)
    epochs.push_back({{"epoch", e.epoch},
                      {"step", e.step},
                      {"learning_rate", e.learning_rate},
                      {"train_loss", e.train_loss},
                      {"train_accuracy", e.train_accuracy},
                      {"test_loss", e.test_loss},
                      {"test_accuracy", e.test_accuracy},
                      {"seconds", e.seconds},
                      {"images_per_second", e.images_per_second}});
  auto& steps = j["history"]["steps"] = nlohmann::ordered_json::array();
  for (const auto& s : r.steps)
    steps.push_back({{"step", s.step},
                     {"learning_rate", s.learning_rate},
                     {"train_loss", s.train_loss},
                     {"train_accuracy", s.train_accuracy},
                     {"test_loss", s.test_loss},
                     {"test_accuracy", s.test_accuracy}});
  return j;
}

Report report_from_json(const nlohmann::json& j) {
  check_schema_version(j, kReportSchemaVersion);
  Report r;
  r.name = j.at("name");
  r.run_id = j.at("run_id");
  r.status = status_named(j.at("status"));
  r.message = j.value("message", "");
  r.config_hash = j.at("config_hash");
  r.config_file = j.value("config_file", "");
  r.backend = j.at("backend");
  r.device = j.value("device", "");
  r.precision = j.value("precision", "fp32");
  r.seed = j.at("seed");
  r.threads = j.value("threads", int64_t{0});  // absent in reports written before it was recorded
  r.git_commit = j.value("git_commit", "");
  r.expt_version = j.value("expt_version", "");
  r.started_at = j.value("started_at", "");
  r.finished_at = j.value("finished_at", "");
  const auto& t = j.at("timings");
  r.setup_seconds = t.at("setup_seconds");
  r.train_seconds = t.at("train_seconds");
  r.eval_seconds = t.at("eval_seconds");
  r.total_seconds = t.at("total_seconds");
  r.parameters = j.at("model").at("parameters");
  r.forward_flops_per_image = j.at("model").at("forward_flops_per_image");
  const auto& d = j.at("data");
  r.train_examples = d.at("train_examples");
  r.test_examples = d.at("test_examples");
  r.class_names = d.at("class_names").get<std::vector<std::string>>();
  r.skipped_files = d.at("skipped_files").get<std::vector<std::string>>();
  // Added within schema 1 after its first reports: absent means a data set with no image files.
  r.data_files = d.value("files", int64_t{0});
  r.data_decoded = d.value("decoded", int64_t{0});
  r.data_cache = d.value("cache", std::string("off"));
  r.data_load_seconds = d.value("load_seconds", 0.0);
  r.network_memory_bytes = j.at("memory").at("network_bytes");
  r.peak_resident_bytes = j.at("memory").at("peak_resident_bytes");
  // Added within schema 1 after its first reports: absent means no best checkpoint, and final
  // weights from the last epoch.
  const auto summary = j.at("summary");
  r.final_weights_epoch = summary.value("final_weights_epoch", int64_t{0});
  const auto best = j.value("best_checkpoint", nlohmann::json::object());
  r.best_checkpoint_epoch = best.value("epoch", int64_t{0});
  r.best_checkpoint_metric = best.value("metric", std::string());
  for (const auto& e : j.at("history").at("epochs"))
    r.epochs.push_back({e.at("epoch"), e.at("step"), e.at("learning_rate"), e.at("train_loss"), e.at("train_accuracy"),
                        e.at("test_loss"), e.at("test_accuracy"), e.at("seconds"), e.at("images_per_second")});
  for (const auto& s : j.at("history").at("steps"))
    r.steps.push_back({s.at("step"), s.at("learning_rate"), s.at("train_loss"), s.at("train_accuracy"),
                       s.at("test_loss"), s.at("test_accuracy")});
  return r;
}

void write_report(const std::filesystem::path& path, const Report& report) {
  write_file_atomically(path, to_json(report).dump(2) + "\n");
}

Report read_report(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ReadError(fmt::format("cannot read {}", path.string()));
  try {
    return report_from_json(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    throw ReadError(fmt::format("{} is not a valid report: {}", path.string(), e.what()));
  }
}

}  // namespace expt
