#include "sweep/manifest.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "core/schema_version.hpp"
#include "experiment/run_recorder.hpp"

namespace expt {
namespace {

constexpr std::array<const char*, 9> kStateNames{"pending",     "running",       "done",   "failed", "diverged",
                                                 "interrupted", "stopped_early", "paused", "pruned"};
constexpr size_t kExamples = 3;  // members named per kind of change

FlatConfig common_config(const SweepPlan& plan) {
  FlatConfig common = flatten_config_text(plan.members.front().config.resolved_yaml);
  for (const auto& m : plan.members) {
    const FlatConfig flat = flatten_config_text(m.config.resolved_yaml);
    std::erase_if(common, [&](const auto& kv) {
      const auto it = flat.find(kv.first);
      return it == flat.end() || it->second != kv.second;
    });
  }
  std::erase_if(common, [](const auto& kv) { return kv.first == "threads"; });
  return common;
}

std::string list_members(const std::vector<const MemberRecord*>& members) {
  std::string out;
  for (size_t i = 0; i < members.size() && i < kExamples; ++i) out += fmt::format("{}{}", i ? "; " : "", describe(members[i]->parameters));
  if (members.size() > kExamples) out += fmt::format("; and {} more", members.size() - kExamples);
  return out;
}

std::string config_changes(const FlatConfig& before, const FlatConfig& after) {
  std::vector<std::string> changes;
  for (const auto& [key, value] : before) {
    const auto it = after.find(key);
    if (it == after.end()) changes.push_back(fmt::format("{} {} -> (varies or unset)", key, value));
    else if (it->second != value) changes.push_back(fmt::format("{} {} -> {}", key, value, it->second));
  }
  for (const auto& [key, value] : after)
    if (!before.contains(key)) changes.push_back(fmt::format("{} (varied or unset) -> {}", key, value));
  std::string out;
  for (size_t i = 0; i < changes.size() && i < 6; ++i) out += (i ? ", " : "") + changes[i];
  if (changes.size() > 6) out += fmt::format(", and {} more", changes.size() - 6);
  return out;
}

}  // namespace

std::string to_string(MemberState state) { return kStateNames[static_cast<size_t>(state)]; }

MemberState member_state_from_string(const std::string& text) {
  for (size_t i = 0; i < kStateNames.size(); ++i)
    if (text == kStateNames[i]) return static_cast<MemberState>(i);
  throw std::runtime_error(fmt::format("unknown member state '{}'", text));
}

Manifest manifest_for(const SweepPlan& plan, const std::filesystem::path& sweep_file) {
  Manifest m;
  m.name = plan.name;
  m.sweep_file = sweep_file.string();
  m.parameter_keys = plan.parameter_keys;
  m.common_config = common_config(plan);
  m.scheduler = plan.scheduler;
  m.created_at = utc_now_iso8601();
  for (const auto& member : plan.members) {
    MemberRecord r;
    r.id = member.id;
    r.parameters = member.parameters;
    m.members.push_back(std::move(r));
  }
  return m;
}

nlohmann::ordered_json to_json(const Manifest& m) {
  nlohmann::ordered_json j;
  j["schema_version"] = kManifestSchemaVersion;
  j["name"] = m.name;
  j["sweep_file"] = m.sweep_file;
  j["created_at"] = m.created_at;
  j["updated_at"] = m.updated_at;
  j["parameter_keys"] = m.parameter_keys;
  auto& members = j["members"] = nlohmann::ordered_json::array();
  for (const auto& r : m.members) {
    nlohmann::ordered_json member;
    member["id"] = r.id;
    member["state"] = to_string(r.state);
    member["parameters"] = nlohmann::ordered_json::object();
    for (const auto& [key, value] : r.parameters) member["parameters"][key] = value;
    member["message"] = r.message;
    member["starts"] = r.starts;
    member["final_test_accuracy"] = r.final_test_accuracy;
    member["best_test_accuracy"] = r.best_test_accuracy;
    member["final_train_accuracy"] = r.final_train_accuracy;
    member["epochs_done"] = r.epochs_done;
    member["seconds"] = r.seconds;
    member["slurm_task"] = r.slurm_task;
    member["rung"] = r.rung;
    member["rung_metrics"] = r.rung_metrics;
    auto& attempts = member["attempts"] = nlohmann::ordered_json::array();
    for (const auto& a : r.attempts)
      attempts.push_back({{"started_at", a.started_at}, {"ended_at", a.ended_at}, {"host", a.host},
                          {"slurm_task", a.slurm_task}, {"from_epoch", a.from_epoch}, {"outcome", a.outcome}});
    members.push_back(std::move(member));
  }
  auto& jobs = j["slurm_jobs"] = nlohmann::ordered_json::array();
  for (const auto& job : m.slurm_jobs)
    jobs.push_back({{"job_id", job.job_id}, {"submitted_at", job.submitted_at}, {"tasks", job.tasks},
                    {"members", job.members}, {"script", job.script}});
  j["common_config"] = m.common_config;
  if (m.scheduler.enabled())
    j["scheduler"] = {{"type", "asha"},
                      {"min_epochs", m.scheduler.min_epochs},
                      {"max_epochs", m.scheduler.max_epochs},
                      {"reduction_factor", m.scheduler.reduction_factor},
                      {"metric", m.scheduler.metric}};
  return j;
}

Manifest manifest_from_json(const nlohmann::json& j) {
  check_schema_version(j, kManifestSchemaVersion);
  Manifest m;
  m.name = j.at("name");
  m.sweep_file = j.value("sweep_file", "");
  m.created_at = j.value("created_at", "");
  m.updated_at = j.value("updated_at", "");
  m.parameter_keys = j.at("parameter_keys").get<std::vector<std::string>>();
  m.common_config = j.at("common_config").get<FlatConfig>();
  for (const auto& member : j.at("members")) {
    MemberRecord r;
    r.id = member.at("id");
    r.state = member_state_from_string(member.at("state"));
    // nlohmann::json sorts object keys; the manifest's own key order gives the file order.
    for (const auto& key : m.parameter_keys)
      if (member.at("parameters").contains(key)) r.parameters.emplace_back(key, member.at("parameters").at(key));
    r.message = member.value("message", "");
    r.starts = member.value("starts", 0);
    r.final_test_accuracy = member.value("final_test_accuracy", 0.0);
    r.best_test_accuracy = member.value("best_test_accuracy", 0.0);
    r.final_train_accuracy = member.value("final_train_accuracy", 0.0);
    r.epochs_done = member.value("epochs_done", int64_t{0});
    r.seconds = member.value("seconds", 0.0);
    r.slurm_task = member.value("slurm_task", "");
    r.rung = member.value("rung", int64_t{0});
    r.rung_metrics = member.value("rung_metrics", std::vector<double>{});
    for (const auto& a : member.value("attempts", nlohmann::json::array()))
      r.attempts.push_back({a.value("started_at", ""), a.value("ended_at", ""), a.value("host", ""),
                            a.value("slurm_task", ""), a.value("from_epoch", int64_t{0}), a.value("outcome", "")});
    m.members.push_back(std::move(r));
  }
  if (j.contains("scheduler")) {
    const auto& s = j.at("scheduler");
    m.scheduler.min_epochs = s.at("min_epochs").get<int64_t>();
    m.scheduler.max_epochs = s.at("max_epochs").get<int64_t>();
    m.scheduler.reduction_factor = s.at("reduction_factor").get<int64_t>();
    m.scheduler.metric = s.at("metric").get<std::string>();
    if (m.scheduler.min_epochs < 1 || m.scheduler.max_epochs < m.scheduler.min_epochs || m.scheduler.reduction_factor < 2 ||
        (m.scheduler.metric != "test_accuracy" && m.scheduler.metric != "test_loss"))
      throw std::runtime_error("scheduler: not a valid ASHA setting");
  }
  for (const auto& job : j.value("slurm_jobs", nlohmann::json::array()))
    m.slurm_jobs.push_back({job.at("job_id"), job.value("submitted_at", ""), job.value("tasks", int64_t{0}),
                            job.value("members", int64_t{0}), job.value("script", "")});
  return m;
}

Manifest read_manifest(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ReadError(fmt::format("cannot read {}", path.string()));
  try {
    return manifest_from_json(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    throw ReadError(fmt::format("{} is not a valid sweep manifest: {} (move it away to start the sweep over)",
                                path.string(), e.what()));
  }
}

void write_manifest(const std::filesystem::path& path, Manifest& manifest) {
  manifest.updated_at = utc_now_iso8601();
  write_file_atomically(path, to_json(manifest).dump(2) + "\n");
}

MemberRecord* find_member(Manifest& manifest, const std::string& id) {
  for (auto& r : manifest.members)
    if (r.id == id) return &r;
  return nullptr;
}

const MemberRecord* find_member(const Manifest& manifest, const std::string& id) {
  return find_member(const_cast<Manifest&>(manifest), id);
}

Manifest merge_states(Manifest now, const Manifest& recorded) {
  now.created_at = recorded.created_at;
  now.slurm_jobs = recorded.slurm_jobs;
  for (auto& r : now.members)
    if (const MemberRecord* old = find_member(recorded, r.id)) {
      const ParameterValues parameters = r.parameters;
      r = *old;
      r.parameters = parameters;
    }
  return now;
}

std::string describe_member_changes(const Manifest& recorded, const Manifest& now) {
  auto ids = [](const Manifest& m) {
    std::set<std::string> out;
    for (const auto& r : m.members) out.insert(r.id);
    return out;
  };
  if (ids(recorded) == ids(now)) return "";

  std::vector<std::string> what;
  if (recorded.parameter_keys != now.parameter_keys)
    what.push_back(fmt::format("swept keys were [{}], now [{}]", fmt::join(recorded.parameter_keys, ", "),
                               fmt::join(now.parameter_keys, ", ")));
  const std::string base = config_changes(recorded.common_config, now.common_config);
  if (!base.empty()) what.push_back("config values shared by all members changed: " + base);

  // Members of `a` that `b` has neither by id (the same run config) nor by parameters (those
  // are the ones whose config changed, which the shared-config line above explains).
  auto only_in = [](const Manifest& a, const Manifest& b) {
    std::vector<const MemberRecord*> out;
    for (const auto& r : a.members)
      if (std::none_of(b.members.begin(), b.members.end(),
                       [&](const MemberRecord& o) { return o.id == r.id || o.parameters == r.parameters; }))
        out.push_back(&r);
    return out;
  };
  const auto added = only_in(now, recorded), removed = only_in(recorded, now);
  if (!added.empty()) what.push_back(fmt::format("{} members added: {}", added.size(), list_members(added)));
  if (!removed.empty()) what.push_back(fmt::format("{} members removed: {}", removed.size(), list_members(removed)));
  if (what.empty()) what.push_back("members with the same parameters now resolve to other configs");
  return fmt::format("{}", fmt::join(what, "; "));
}

void require_same_members(const Manifest& recorded, const Manifest& now, const std::filesystem::path& file,
                          const std::filesystem::path& sweep_dir, bool may_grow) {
  const bool grown = may_grow && std::all_of(recorded.members.begin(), recorded.members.end(), [&](const MemberRecord& r) {
                       return find_member(now, r.id) != nullptr;
                     });
  const std::string changes = describe_member_changes(recorded, now);
  if (changes.empty() || grown) return;
  throw ConfigError(fmt::format(
      "{} no longer describes the sweep recorded in {}: {}. Give the sweep another `name:` to start a new one "
      "beside it, or delete {} to start over",
      file.string(), (sweep_dir / "sweep.json").string(), changes, sweep_dir.string()));
}

}  // namespace expt
