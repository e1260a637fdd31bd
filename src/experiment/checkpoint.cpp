#include "experiment/checkpoint.hpp"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/safetensors.hpp"

namespace expt {
namespace {

constexpr const char* kFormat = "expt-checkpoint-1";

safetensors::Tensor to_tensor(const std::vector<int64_t>& dims, const std::vector<float>& values) {
  safetensors::Tensor t{"F32", dims, std::vector<std::byte>(values.size() * sizeof(float))};
  std::memcpy(t.data.data(), values.data(), t.data.size());
  return t;
}

std::vector<float> to_floats(const safetensors::Tensor& t) {
  std::vector<float> v(t.data.size() / sizeof(float));
  std::memcpy(v.data(), t.data.data(), t.data.size());
  return v;
}

}  // namespace

const char* optimizer_slot_name(OptimizerConfig::Kind kind, int slot) {
  switch (kind) {
    case OptimizerConfig::Kind::momentum: return "momentum_buffer";
    case OptimizerConfig::Kind::adam:
    case OptimizerConfig::Kind::adamw: return slot == 0 ? "exp_avg" : "exp_avg_sq";
    case OptimizerConfig::Kind::sgd: break;
  }
  return "?";
}

void save_checkpoint(const std::filesystem::path& path, const Network& net, OptimizerConfig::Kind kind,
                     const CheckpointInfo& info, bool include_optimizer) {
  const NetworkPlan& plan = net.plan();
  safetensors::File file;
  file.metadata = {{"format", kFormat},
                   {"step", std::to_string(info.step)},
                   {"epochs_done", std::to_string(info.epochs_done)},
                   {"config_hash", info.config_hash}};
  for (size_t i = 0; i < plan.params.size(); ++i) {
    const ParamSpec& p = plan.params[i];
    std::vector<float> values(static_cast<size_t>(p.size()));
    net.read_parameter(i, values);
    file.tensors[p.name] = to_tensor(p.dims, values);
    if (!include_optimizer || !p.trainable) continue;
    for (int slot = 0; slot < optimizer_state_slots(kind); ++slot) {
      net.read_optimizer_state(i, slot, values);
      file.tensors[fmt::format("optimizer.{}.{}", p.name, optimizer_slot_name(kind, slot))] = to_tensor(p.dims, values);
    }
  }
  safetensors::write(path, file);
}

CheckpointInfo load_checkpoint(const std::filesystem::path& path, Network& net, OptimizerConfig::Kind kind) {
  const safetensors::File file = safetensors::read(path);
  auto bad = [&](const std::string& why) { return ReadError(fmt::format("checkpoint {} does not fit this model: {}", path.string(), why)); };
  auto meta = [&](const char* key) {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw bad(fmt::format("metadata '{}' is missing", key));
    return it->second;
  };
  if (meta("format") != kFormat) throw bad(fmt::format("format '{}' is not {}", meta("format"), kFormat));

  auto fetch = [&](const std::string& name, const ParamSpec& p) {
    auto it = file.tensors.find(name);
    if (it == file.tensors.end()) throw bad(fmt::format("tensor '{}' is missing", name));
    if (it->second.dtype != "F32" || it->second.shape != p.dims)
      throw bad(fmt::format("tensor '{}' has the wrong type or shape", name));
    return to_floats(it->second);
  };
  const NetworkPlan& plan = net.plan();
  for (size_t i = 0; i < plan.params.size(); ++i) {
    const ParamSpec& p = plan.params[i];
    net.write_parameter(i, fetch(p.name, p));
    if (!p.trainable) continue;
    for (int slot = 0; slot < optimizer_state_slots(kind); ++slot) {
      const std::string name = fmt::format("optimizer.{}.{}", p.name, optimizer_slot_name(kind, slot));
      // A weights-only checkpoint (step-0) starts the optimizer from zero state.
      if (file.tensors.count(name)) net.write_optimizer_state(i, slot, fetch(name, p));
    }
  }
  // Written by save_checkpoint as decimal digits; anything else means the file was edited or damaged.
  auto count = [&](const char* key) {
    const std::string text = meta(key);
    int64_t value = -1;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0)
      throw bad(fmt::format("metadata '{}' is '{}', not a whole number", key, text));
    return value;
  };
  CheckpointInfo info;
  info.step = static_cast<uint64_t>(count("step"));
  info.epochs_done = count("epochs_done");
  info.config_hash = meta("config_hash");
  return info;
}

}  // namespace expt
