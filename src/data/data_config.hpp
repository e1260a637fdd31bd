#pragma once
// What the `data:` section of a config asks for. It lives with the data code that reads it, so
// loading data needs nothing from src/config; the config parser fills it in.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace expt {

// Random changes to each training image, drawn per (seed, epoch, position in the epoch); every
// value's default turns its transform off. Applied in this order by src/data/augment.cpp.
struct AugmentConfig {
  std::vector<double> random_resized_crop_scale{1.0, 1.0};  // area fraction [min, max]; [1, 1] = off
  int64_t random_crop_padding = 0;  // > 0: pad by this many zero pixels, crop back at a random offset
  bool hflip = false;               // mirror half of the images
  double rotate_degrees = 0.0;      // > 0: rotate by a uniform angle in [-rotate, rotate]
  double brightness = 0.0, contrast = 0.0, saturation = 0.0;  // color_jitter: factor in [1 - x, 1 + x]
  bool enabled() const {
    return random_resized_crop_scale != std::vector<double>{1.0, 1.0} || random_crop_padding > 0 || hflip ||
           rotate_degrees > 0.0 || brightness > 0.0 || contrast > 0.0 || saturation > 0.0;
  }
};

struct DataConfig {
  std::string dataset = "idx";       // idx | synthetic | oxford_pets | image_folder
  std::filesystem::path root;        // idx: folder with the four (optionally gzipped) files
  std::vector<std::string> classes;  // class names to keep (image data sets); empty = all
  double test_fraction = 0.0;        // > 0: hold out this fraction of the training data as test
  int64_t image_height = 0, image_width = 0;  // 0 = the data set's own size
  int64_t channels = 0;                        // 0 = the data set's own channel count
  int64_t limit_train = 0, limit_test = 0;     // > 0: use only the first N examples (quick checks)
  std::string normalize = "per_channel_mean";  // per_channel_mean | mean_image | none
  // image data sets (oxford_pets, image_folder)
  std::string split = "test_fraction";         // oxford_pets: test_fraction | official (trainval/test.txt)
  std::filesystem::path test_root;             // image_folder: class folders of the test split; empty = none
  std::string resize = "stretch";              // stretch | shorter_side_then_center_crop
  double max_skipped_fraction = 0.01;          // more undecodable files than this fraction: DataError
  bool cache = true;                           // keep decoded images in cache_dir for the next run
  std::filesystem::path cache_dir;             // empty: $XDG_CACHE_HOME/expt, else ~/.cache/expt
  AugmentConfig augment;                       // training images only
  // synthetic
  int64_t synthetic_classes = 10;
  int64_t synthetic_train = 1000, synthetic_test = 200;
};

}  // namespace expt
