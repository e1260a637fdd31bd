// probe_dataset/load_dataset: dispatch on data.dataset, then what every data set shares.
#include "data/dataset.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/sources.hpp"

namespace expt {

std::vector<std::string> class_names(const DataConfig& config, int64_t count, std::string_view source) {
  if (config.classes.empty()) {
    std::vector<std::string> names;
    for (int64_t k = 0; k < count; ++k) names.push_back(std::to_string(k));
    return names;
  }
  if (static_cast<int64_t>(config.classes.size()) != count)
    throw DataError(fmt::format("{} has {} classes but data.classes names {}", source, count,
                                config.classes.size()));
  return config.classes;
}

namespace {

// The shape after resizing and channel conversion (see load_dataset).
Shape requested_shape(const DataConfig& config, const Shape& stored) {
  const Shape shape{config.channels > 0 ? config.channels : stored.c,
                    config.image_height > 0 ? config.image_height : stored.h,
                    config.image_width > 0 ? config.image_width : stored.w};
  const bool convertible = shape.c == stored.c || (stored.c == 1 && shape.c == 3) || (stored.c == 3 && shape.c == 1);
  if (!convertible)
    throw DataError(fmt::format("data set '{}' has {} channel(s); data.channels {} is not reachable "
                                "(only 1 -> 3 and 3 -> 1 conversions exist)",
                                config.dataset, stored.c, shape.c));
  return shape;
}

}  // namespace

DatasetInfo probe_dataset(const DataConfig& config, uint64_t /*seed: no data set's shape depends on it*/) {
  if (config.dataset == "synthetic") return probe_synthetic(config);
  if (config.dataset == "idx") {
    DatasetInfo info = probe_idx(config);
    info.shape = requested_shape(config, info.shape);
    return info;
  }
  throw DataError(fmt::format("data set '{}' is not supported (available: idx, synthetic)", config.dataset));
}

}  // namespace expt
