#include "experiment/init_from_weights.hpp"

#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/init_from.hpp"
#include "core/error.hpp"
#include "core/safetensors.hpp"

namespace expt {

void load_init_from(const InitFromConfig& from, Network& net) {
  const safetensors::File file = safetensors::read(from.path);
  std::map<std::string, safetensors::TensorInfo> header;
  for (const auto& [name, t] : file.tensors) header[name] = {t.dtype, t.shape};
  const InitFromMatch match = match_init_from(from, net.plan(), header);
  if (!match.problems.empty())
    throw ReadError(fmt::format("model.init_from: {} changed since the config was checked: {}", from.path.string(),
                                fmt::join(match.problems, "; ")));
  for (const auto& [param, tensor] : match.pairs) {
    const std::vector<std::byte>& bytes = file.tensors.at(tensor).data;
    std::vector<float> values(bytes.size() / sizeof(float));
    std::memcpy(values.data(), bytes.data(), bytes.size());
    net.write_parameter(param, values);
  }
}

}  // namespace expt
