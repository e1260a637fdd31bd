// probe_dataset/load_dataset: dispatch on data.dataset, then what every data set shares.
#include "data/dataset.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "data/normalize.hpp"
#include "data/random.hpp"
#include "data/sources.hpp"
#include "data/transform.hpp"

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

bool selects_all_classes(const DataConfig& config) {
  return config.classes.empty() || config.classes == std::vector<std::string>{"all"};
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

[[noreturn]] void unsupported(const DataConfig& config) {
  throw DataError(fmt::format("data set '{}' is not supported (available: idx, synthetic, oxford_pets, image_folder)",
                              config.dataset));
}

ImageSet reshape_images(const ImageSet& set, const Shape& shape) {
  // Resizing first: the only conversion from idx data is 1 -> 3 channels, which is cheaper after.
  ImageSet resized = (set.shape.h == shape.h && set.shape.w == shape.w)
                         ? set
                         : resize_bilinear(set, shape.h, shape.w);
  return convert_channels(resized, shape.c);
}

}  // namespace

DatasetInfo probe_dataset(const DataConfig& config, uint64_t /*seed: no data set's shape depends on it*/) {
  DatasetInfo info;
  if (config.dataset == "synthetic") info = probe_synthetic(config);
  else if (config.dataset == "idx") info = probe_idx(config);
  else if (config.dataset == "oxford_pets") info = probe_oxford_pets(config);
  else if (config.dataset == "image_folder") info = probe_image_folder(config);
  else unsupported(config);
  info.shape = requested_shape(config, info.shape);
  return info;
}

// Order matters: the held-out split is drawn from the whole training split, limits then take
// the first N of each part (so limit_train keeps a random sample when test_fraction is set),
// and reshaping comes after the limits so that only the images used are resized. The
// normalisation sees the final training images only.
Dataset load_dataset(const DataConfig& config, uint64_t seed) {
  Dataset dataset;
  if (config.dataset == "synthetic") dataset = load_synthetic(config, seed);
  else if (config.dataset == "idx") dataset = load_idx(config);
  else if (config.dataset == "oxford_pets") dataset = load_image_files(list_oxford_pets(config), config);
  else if (config.dataset == "image_folder") dataset = load_image_files(list_image_folder(config), config);
  else unsupported(config);

  if (config.test_fraction > 0.0) {
    auto [kept, held_out] =
        hold_out(dataset.train, config.test_fraction, derive_seed(seed, DataStream::held_out_test));
    dataset.train = std::move(kept);
    dataset.test = std::move(held_out);
  }
  dataset.train = take_first(std::move(dataset.train), config.limit_train);
  dataset.test = take_first(std::move(dataset.test), config.limit_test);

  const Shape shape = requested_shape(config, dataset.train.shape);
  if (shape != dataset.train.shape) {
    dataset.train = reshape_images(dataset.train, shape);
    dataset.test = reshape_images(dataset.test, shape);
  }
  dataset.normalization = compute_normalization(dataset.train, config.normalize);
  return dataset;
}

}  // namespace expt
