#pragma once
// The data sets behind probe_dataset/load_dataset. Each loader returns its images as stored
// (idx), as generated (synthetic) or decoded at the requested size (image files), with the full
// train and test splits; dataset.cpp then applies what is common to all: the held-out split,
// limits, resizing, channel conversion and normalisation.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.hpp"

namespace expt {

// `classes` names the classes of idx and synthetic data, in label order; it must then name
// every class (these sets have no names of their own to select by). Empty: "0", "1", ...
std::vector<std::string> class_names(const DataConfig& config, int64_t count, std::string_view source);

DatasetInfo probe_idx(const DataConfig& config);
Dataset load_idx(const DataConfig& config);

DatasetInfo probe_synthetic(const DataConfig& config);
Dataset load_synthetic(const DataConfig& config, uint64_t seed);

// Image data sets are listed first (files and labels, no pixels), then decoded by
// load_image_files, which both share.
// data.classes is [] or [all]: every class the image data set has.
bool selects_all_classes(const DataConfig& config);

struct LabelledFile {
  std::filesystem::path path;
  int32_t label = 0;
};

struct ImageListing {
  std::string name;  // the data set, e.g. "oxford_pets"
  std::vector<std::string> class_names;
  std::vector<LabelledFile> train, test;  // test empty: data.test_fraction holds some of train out
};

// The shape image files are decoded to: data.channels (default 3) x data.image_size, which
// image data sets require (their images differ in size).
Shape image_file_shape(const DataConfig& config);

DatasetInfo probe_oxford_pets(const DataConfig& config);
ImageListing list_oxford_pets(const DataConfig& config);

DatasetInfo probe_image_folder(const DataConfig& config);
ImageListing list_image_folder(const DataConfig& config);

// Decodes every listed file to image_file_shape(config), or takes them from the cache.
Dataset load_image_files(const ImageListing& listing, const DataConfig& config);

}  // namespace expt
