#pragma once
// How a number is written wherever a config value is shown: the resolved YAML, the schema's
// default and allowed columns, error messages.
#include <string>

#include <fmt/format.h>

namespace expt {

// Shortest text that reads back as the same double and that YAML 1.1 and 1.2 readers both take
// for a number ("0.1", "1.0e-05", "1").
inline std::string number_text(double v) {
  std::string text = fmt::format("{}", v);
  // YAML 1.1 (PyYAML) reads `1e-08` as a string: its floats need a '.' and a signed exponent,
  // which fmt always writes.
  if (const size_t e = text.find('e'); e != std::string::npos && text.find('.') == std::string::npos)
    text.insert(e, ".0");
  return text;
}

}  // namespace expt
