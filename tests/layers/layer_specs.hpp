#pragma once
// LayerSpecs for plan tests, built in code rather than from YAML (tests/layers, tests/bench).
#include "layers/layer_spec.hpp"

namespace expt::testing {

inline LayerSpec layer_spec(LayerKind kind, const char* name, bool trainable = true) {
  LayerSpec s;
  s.kind = kind;
  s.name = name;
  s.trainable = trainable;
  return s;
}

}  // namespace expt::testing
