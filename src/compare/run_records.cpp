#include "compare/run_records.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace expt {
namespace {

std::vector<std::filesystem::path> find_reports(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(ExitCode::usage, fmt::format("{}: no such file or folder", path.string()));
  if (!fs::is_directory(path)) return {path};
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().filename() == "report.json" && it->is_regular_file(ec)) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The ids of the members sweep.json (beside the run folders) records as pruned; none when it
// is absent or unreadable, since then the reports alone describe the runs.
std::set<std::string> pruned_members(const std::filesystem::path& sweep_dir) {
  std::set<std::string> pruned;
  try {
    const auto path = sweep_dir / "sweep.json";
    if (!std::filesystem::exists(path)) return pruned;
    const auto manifest = nlohmann::json::parse(read_text(path));
    for (const auto& member : manifest.at("members"))
      if (member.value("state", "") == "pruned") pruned.insert(member.value("id", ""));
  } catch (const std::exception&) {
  }
  return pruned;
}

}  // namespace

std::string RunRecord::status() const { return pruned ? "pruned" : std::string(name_of(run_status_names, report.status)); }

LoadedRuns load_runs(const std::vector<std::filesystem::path>& paths) {
  LoadedRuns loaded;
  std::vector<std::filesystem::path> reports;
  for (const auto& path : paths)
    for (auto& report : find_reports(path))
      if (std::find(reports.begin(), reports.end(), report) == reports.end()) reports.push_back(report);

  std::map<std::filesystem::path, std::set<std::string>> pruned;  // per sweep folder
  for (const auto& report_path : reports) {
    RunRecord run;
    run.dir = report_path.parent_path();
    const auto sweep_dir = run.dir.parent_path();
    if (!pruned.contains(sweep_dir)) pruned[sweep_dir] = pruned_members(sweep_dir);
    run.pruned = pruned[sweep_dir].contains(run.dir.filename().string());
    const auto config_path = run.dir / "config.yaml";
    try {
      run.report = report_from_json(nlohmann::json::parse(read_text(report_path)));
      if (!std::filesystem::exists(config_path))
        throw std::runtime_error("no config.yaml beside it, and that is what tells the runs apart");
      run.config = flatten_config_text(read_text(config_path));
    } catch (const std::exception& e) {
      loaded.warnings.push_back(fmt::format("warning: skipping {}: {}", report_path.string(), e.what()));
      continue;
    }
    loaded.runs.push_back(std::move(run));
  }
  return loaded;
}

}  // namespace expt
