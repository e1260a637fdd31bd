#pragma once
// Structural equality of YAML trees, reading scalars that are numbers as numbers ("0.10" == "0.1").
#include <cstdlib>
#include <string>

#include <yaml-cpp/yaml.h>

namespace expt::test {

inline bool same_yaml(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  if (a.IsScalar()) {
    double x, y;
    if (YAML::convert<double>::decode(a, x) && YAML::convert<double>::decode(b, y)) return x == y;
    return a.Scalar() == b.Scalar();
  }
  if (a.size() != b.size()) return false;
  if (a.IsSequence()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_yaml(a[i], b[i])) return false;
    return true;
  }
  if (a.IsMap()) {
    for (const auto& kv : a)
      if (!b[kv.first.Scalar()] || !same_yaml(kv.second, b[kv.first.Scalar()])) return false;
  }
  return true;
}

}  // namespace expt::test
