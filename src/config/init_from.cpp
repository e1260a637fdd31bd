#include "config/init_from.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace expt {
namespace {

// At most `shown` names, then how many more: a converted VGG16 has 32 tensors.
std::string name_list(const std::vector<std::string>& names) {
  constexpr size_t shown = 8;
  std::string text = fmt::format("{}", fmt::join(names.begin(), names.begin() + std::min(names.size(), shown), ", "));
  if (names.size() > shown) text += fmt::format(" and {} more", names.size() - shown);
  return text;
}

std::string shape_text(const std::vector<int64_t>& dims) { return fmt::format("[{}]", fmt::join(dims, ", ")); }

}  // namespace

InitFromMatch match_init_from(const InitFromConfig& from, const NetworkPlan& plan,
                              const std::map<std::string, safetensors::TensorInfo>& header) {
  std::map<std::string, std::string> theirs;  // our layer name -> the file's
  for (const auto& [their, our] : from.rename) theirs[our] = their;
  const auto file_name = [&](const std::string& layer) {
    const auto it = theirs.find(layer);
    return it == theirs.end() ? layer : it->second;
  };

  InitFromMatch match;
  std::vector<std::string> missing;
  std::set<std::string> used;
  std::vector<std::string> prefixes;  // "<their layer>." of each listed layer
  for (const PlannedLayer& layer : plan.layers) {
    if (layer.params.empty()) continue;
    if (!from.layers.empty() && std::find(from.layers.begin(), from.layers.end(), layer.spec.name) == from.layers.end())
      continue;
    const std::string prefix = file_name(layer.spec.name) + ".";
    prefixes.push_back(prefix);
    for (int i : layer.params) {
      const ParamSpec& p = plan.params[static_cast<size_t>(i)];
      const std::string tensor = prefix + p.name.substr(layer.spec.name.size() + 1);  // p.name is "<layer>.<part>"
      const auto it = header.find(tensor);
      if (it == header.end()) {
        missing.push_back(tensor);
        continue;
      }
      used.insert(tensor);
      if (it->second.dtype != "F32")
        match.problems.push_back(fmt::format("tensor '{}' is {}, not F32", tensor, it->second.dtype));
      else if (it->second.shape != p.dims)
        match.problems.push_back(fmt::format("tensor '{}' has shape {} in the file but {} needs {}", tensor,
                                             shape_text(it->second.shape), p.name, shape_text(p.dims)));
      else
        match.pairs.push_back({static_cast<size_t>(i), tensor});
    }
  }
  if (!from.strict) return match;

  std::vector<std::string> unused;
  for (const auto& [name, info] : header) {
    if (used.count(name) || name.starts_with("optimizer.")) continue;
    const bool of_listed = from.layers.empty() || std::any_of(prefixes.begin(), prefixes.end(), [&](const auto& p) {
                             return name.starts_with(p);
                           });
    if (of_listed) unused.push_back(name);
  }
  if (!missing.empty())
    match.problems.push_back(fmt::format("{} tensor(s) missing from the file: {}", missing.size(), name_list(missing)));
  if (!unused.empty())
    match.problems.push_back(
        fmt::format("{} tensor(s) of the file unused by the model: {}", unused.size(), name_list(unused)));
  return match;
}

}  // namespace expt
