#pragma once
// Shared by the config tests: a small valid config on synthetic data and helpers to check
// error messages, including the exact file:line:col they name.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "config/load_config.hpp"
#include "core/error.hpp"

namespace expt::test {

// Synthetic data (3 classes of 1x8x8 images) and a network small enough to plan instantly.
// Tests edit it with `edited` and locate text in it with `position_of`.
inline const std::string small_config = R"(name: small
seed: 7
data: {dataset: synthetic, image_size: 8, synthetic: {classes: 3, train: 30, test: 10}}
model:
  layers:
    - {type: conv2d, name: conv1, filters: 4, kernel: 3, activation: relu}
    - {type: max_pool, name: pool1, size: 2}
    - {type: dropout, rate: 0.25}
    - {type: dense, name: logits, units: classes}
training:
  epochs: 2
  batch_size: 5
  optimizer: {type: adam, learning_rate: 0.01}
)";

// `text` with its only occurrence of `from` replaced by `to`.
inline std::string edited(const std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, "'" << from << "' is not in the config");
  REQUIRE_MESSAGE(text.find(from, at + 1) == std::string::npos, "'" << from << "' is in the config twice");
  return text.substr(0, at) + to + text.substr(at + from.size());
}

// "test.yaml:<line>:<column>" (1-based) of the first occurrence of `needle` in `text`.
inline std::string position_of(const std::string& text, const std::string& needle) {
  const size_t at = text.find(needle);
  REQUIRE_MESSAGE(at != std::string::npos, "'" << needle << "' is not in the config");
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < at; ++i)
    if (text[i] == '\n') ++line, line_start = i + 1;
  return "test.yaml:" + std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

// The message of the ConfigError that loading `yaml` throws; fails the test when it loads.
inline std::string load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  try {
    load_config_text(yaml, "test.yaml", overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("the config loaded, but an error was expected");
  return "";
}

}  // namespace expt::test
