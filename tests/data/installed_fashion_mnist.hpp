#pragma once
// The Fashion-MNIST files of Debian's dataset-fashion-mnist package as a data config, for the
// tests on real data; empty, with a message saying the test is skipped, where it is not installed.
#include <doctest/doctest.h>

#include <filesystem>
#include <optional>

#include "data/data_config.hpp"

inline std::optional<expt::DataConfig> installed_fashion_mnist() {
  const std::filesystem::path root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root)) {
    MESSAGE("skipped: " << root.string() << " is not installed");
    return std::nullopt;
  }
  expt::DataConfig config;
  config.dataset = "idx";
  config.root = root;
  return config;
}
