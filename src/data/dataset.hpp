#pragma once
// Labelled image data in memory: uint8 pixels in NCHW order plus int32 labels, with the
// normalisation computed on the training split. Batches are assembled as floats from here.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/shape.hpp"
#include "data/data_config.hpp"

namespace expt {

struct ImageSet {
  Shape shape;                  // per image
  std::vector<uint8_t> pixels;  // size() * shape.size(), NCHW
  std::vector<int32_t> labels;
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
  std::span<const uint8_t> image(int64_t i) const {
    return {pixels.data() + i * shape.size(), static_cast<size_t>(shape.size())};
  }
};

// x_float = (x_uint8 - mean) * inv_std, with mean and inv_std per element of one image
// (broadcast from per-channel values, or the mean image itself).
struct Normalization {
  std::string kind = "none";
  std::vector<float> mean;     // shape.size() values
  std::vector<float> inv_std;  // shape.size() values
};

// How the images of an image data set (oxford_pets, image_folder) were obtained this time.
struct DataLoadStats {
  int64_t files = 0;          // image files listed, both splits
  int64_t decoded = 0;        // files decoded by this load: 0 when the cache had them all
  std::string cache = "off";  // off | hit | written | rebuilt (<why the old file was not used>)
  std::string cache_file;     // empty when off
  double seconds = 0;         // listing, cache and decoding, wall clock
};

struct Dataset {
  std::string name;
  std::vector<std::string> class_names;
  ImageSet train, test;
  Normalization normalization;
  std::vector<std::string> skipped;  // "<file>: <reason>" for each file that could not be decoded
  DataLoadStats load_stats;
};

// What the model needs to know before any data is read: for `expt validate` and config checks.
struct DatasetInfo {
  Shape shape;
  int64_t classes = 0;
  std::vector<std::string> class_names;
};

// Both throw DataError naming the path that was looked at and what was wrong with it.
// Supported: `idx`, `synthetic`, `oxford_pets`, `image_folder` (see docs/data.md). idx files and
// the generator carry no class names, so for them data.classes names every class in label order
// (empty: "0", "1", ...) rather than selecting; the image data sets select and order classes by it.
// Image data sets need data.image_size; probing them reads only the annotation files or folder
// names, never an image. Nothing here uses the network.
// load_dataset: held-out split (test_fraction) from the whole training split, then the limits,
// then resizing and channel conversion, then the normalisation from the training images only.
DatasetInfo probe_dataset(const DataConfig& config, uint64_t seed);
Dataset load_dataset(const DataConfig& config, uint64_t seed);

// Writes images[indices[k]] normalised into out (indices.size() * shape.size() floats) and
// their labels into labels.
void assemble_batch(const ImageSet& set, const Normalization& norm, std::span<const int64_t> indices,
                    std::span<float> out, std::span<int32_t> labels);

}  // namespace expt
