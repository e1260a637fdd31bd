#pragma once
// How a number is written wherever a config value is shown: the resolved YAML, the schema's
// default and allowed columns, error messages.
#include <string>

#include <fmt/format.h>

namespace expt {

// Shortest text that reads back as the same double ("0.1", "1e-05", "1").
inline std::string number_text(double v) { return fmt::format("{}", v); }

}  // namespace expt
