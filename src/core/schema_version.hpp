#pragma once
// The version check of the JSON files expt writes and reads back (report.json, sweep.json): a
// file of another schema version is refused rather than half understood.
#include <stdexcept>

#include <fmt/format.h>

namespace expt {

// Throws std::runtime_error unless j["schema_version"] is `supported`; a missing key throws too
// (Json is nlohmann::json, a template so that core does not depend on it).
template <class Json>
void check_schema_version(const Json& j, int supported) {
  const int version = j.at("schema_version").template get<int>();
  if (version != supported)
    throw std::runtime_error(fmt::format("schema_version {} is not the supported {}", version, supported));
}

}  // namespace expt
