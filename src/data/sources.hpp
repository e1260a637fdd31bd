#pragma once
// The data sets behind probe_dataset/load_dataset. Each loader returns its images as stored
// (idx) or as generated (synthetic), with the full train and test splits; dataset.cpp then
// applies what is common to all: the held-out split, limits, resizing, channel conversion and
// normalisation.
#include <cstdint>
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

}  // namespace expt
