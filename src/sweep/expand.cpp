#include "sweep/expand.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "config/load_config.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/philox.hpp"

namespace expt {
namespace {

// Uniform in [0, 1) with 53 random bits from Philox at counter (trial, hash of the key), keyed
// by the sample seed: a draw depends on nothing else, so neither `trials` nor the other
// parameters (added, removed, reordered) change it.
double uniform01(uint64_t sample_seed, uint64_t trial, const std::string& key) {
  const uint64_t k = fnv1a64(key);
  const philox::Block b = philox::philox4x32_10(
      philox::Block{{static_cast<uint32_t>(trial), static_cast<uint32_t>(trial >> 32), static_cast<uint32_t>(k),
                     static_cast<uint32_t>(k >> 32)}},
      static_cast<uint32_t>(sample_seed), static_cast<uint32_t>(sample_seed >> 32));
  const uint64_t bits = (static_cast<uint64_t>(b.v[0]) << 32 | b.v[1]) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

// Four significant digits: readable in member lines and reports, and finer than any search
// over a hyperparameter can tell apart.
std::string draw(const SweepParameter& p, double u) {
  switch (p.kind) {
    case SweepParameter::Kind::list:
    case SweepParameter::Kind::choice:
      return p.values[std::min(p.values.size() - 1, static_cast<size_t>(u * static_cast<double>(p.values.size())))];
    case SweepParameter::Kind::uniform: return fmt::format("{:.4g}", p.low + u * (p.high - p.low));
    case SweepParameter::Kind::log_uniform:
      return fmt::format("{:.4g}", std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low))));
    case SweepParameter::Kind::int_uniform:
      return fmt::format("{}", static_cast<int64_t>(std::min(p.high, p.low + std::floor(u * (p.high - p.low + 1)))));
  }
  return {};
}

// Random search: trial t draws every distribution; the lists stay grid axes, so each trial
// runs at every grid point. Keys stay in file order.
std::vector<ParameterValues> grid_points(const SweepSpec& spec, int64_t trial) {
  std::vector<ParameterValues> points{{}};
  for (const auto& p : spec.parameters) {
    std::vector<ParameterValues> next;
    for (const auto& point : points) {
      if (p.kind != SweepParameter::Kind::list) {
        next.push_back(point);
        next.back().emplace_back(p.key, draw(p, uniform01(spec.sample_seed, static_cast<uint64_t>(trial), p.key)));
        continue;
      }
      for (const auto& value : p.values) {
        next.push_back(point);
        next.back().emplace_back(p.key, value);
      }
    }
    points = std::move(next);
  }
  return points;
}

std::vector<std::string> overrides_of(const ParameterValues& values) {
  std::vector<std::string> out;
  for (const auto& [key, value] : values) out.push_back(key + "=" + value);
  return out;
}

ExperimentConfig load_member(const SweepSpec& spec, const std::vector<std::string>& common, const ParameterValues& values) {
  std::vector<std::string> overrides = common;
  for (auto& o : overrides_of(values)) overrides.push_back(std::move(o));
  try {
    ExperimentConfig config = load_config_text(spec.base_yaml, spec.base_source, overrides);
    config.source = spec.file;
    return config;
  } catch (const ConfigError& e) {
    throw ConfigError(fmt::format("{}: sweep member {}: {}", spec.file.string(), describe(values), e.what()));
  } catch (const DataError& e) {
    throw DataError(fmt::format("{}: sweep member {}: {}", spec.file.string(), describe(values), e.what()));
  }
}

// Each parameter alone on the base, before any member: a key the config does not have (or a
// value it refuses) is named at the parameter's own line in the sweep file.
void check_parameter_keys(const SweepSpec& spec, const std::vector<std::string>& common) {
  for (const auto& p : spec.parameters) {
    std::vector<std::string> overrides = common;
    overrides.push_back(p.key + "=" + draw(p, 0.0));
    try {
      load_config_text(spec.base_yaml, spec.base_source, overrides);
    } catch (const ConfigError& e) {
      throw ConfigError(fmt::format("{}: parameters.{}: {}", p.where, p.key, e.what()));
    }
  }
}

}  // namespace

std::string describe(const ParameterValues& values) {
  std::string out;
  for (const auto& [key, value] : values) out += fmt::format("{}{}={}", out.empty() ? "" : ", ", key, value);
  return out.empty() ? "(the base config)" : out;
}

std::vector<ParameterValues> sweep_points(const SweepSpec& spec) {
  if (spec.trials == 0) return grid_points(spec, 0);
  std::vector<ParameterValues> points;
  for (int64_t t = 0; t < spec.trials; ++t)
    for (auto& point : grid_points(spec, t)) points.push_back(std::move(point));
  return points;
}

SweepPlan expand_sweep(const SweepSpec& spec, const std::vector<std::string>& extra_overrides) {
  SweepPlan plan;
  plan.name = spec.name;
  for (const auto& p : spec.parameters) plan.parameter_keys.push_back(p.key);
  const bool repeated = spec.repeats > 0 || !spec.seeds.empty();
  if (repeated) plan.parameter_keys.push_back("seed");

  std::vector<std::string> common{"name=" + spec.name};
  common.insert(common.end(), spec.overrides.begin(), spec.overrides.end());
  common.insert(common.end(), extra_overrides.begin(), extra_overrides.end());
  // Under ASHA a member's config is its full run; the scheduler pauses it at each rung.
  if (spec.scheduler.enabled()) common.push_back(fmt::format("training.epochs={}", spec.scheduler.max_epochs));
  check_parameter_keys(spec, common);

  std::set<std::string> seen;
  auto add = [&](ParameterValues values, ExperimentConfig config) {
    SweepMember m{hex64(fnv1a64(config.resolved_yaml)), std::move(values), std::move(config)};
    if (!seen.insert(m.id).second) {
      ++plan.duplicates;
      return;
    }
    plan.members.push_back(std::move(m));
  };
  for (const auto& point : sweep_points(spec)) {
    if (!spec.seeds.empty()) {
      for (uint64_t seed : spec.seeds) {
        ParameterValues values = point;
        values.emplace_back("seed", std::to_string(seed));
        add(values, load_member(spec, common, values));
      }
      continue;
    }
    ExperimentConfig first = load_member(spec, common, point);
    const uint64_t base_seed = first.seed;
    if (!repeated) {
      add(point, std::move(first));
      continue;
    }
    for (int64_t r = 0; r < spec.repeats; ++r) {
      ParameterValues values = point;
      values.emplace_back("seed", std::to_string(base_seed + static_cast<uint64_t>(r)));
      add(values, r == 0 ? first : load_member(spec, common, values));
    }
  }

  const auto& results_dir = plan.members.front().config.results_dir;
  for (const auto& m : plan.members)
    if (m.config.results_dir != results_dir)
      throw ConfigError(fmt::format("{}: every member must share results_dir; {} has '{}', {} has '{}'", spec.file.string(),
                                    describe(plan.members.front().parameters), results_dir.string(),
                                    describe(m.parameters), m.config.results_dir.string()));
  plan.dir = results_dir / spec.name;
  plan.scheduler = spec.scheduler;
  return plan;
}

}  // namespace expt
