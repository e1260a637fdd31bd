#include "config/shapes_only.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/document.hpp"
#include "config/load_config.hpp"
#include "core/error.hpp"

namespace expt {
namespace {

// The number of classes data.classes names (after the overrides), or 0 when it names none.
int64_t listed_classes(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto document = config::ConfigDocument::parse(text.str(), file.string());
  for (const auto& o : overrides) document.apply_override(o);
  document.interpolate();
  // find_child, not operator[]: a document without `data` has no node to index further.
  const YAML::Node classes = config::find_child(config::find_child(document.root(), "data"), "classes");
  if (!classes.IsSequence()) return 0;
  for (const auto& c : classes)
    if (c.IsScalar() && c.as<std::string>() == "all") return 0;
  return static_cast<int64_t>(classes.size());
}

}  // namespace

ShapesOnlyConfig load_config_for_shapes(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  ShapesOnlyConfig result;
  try {
    result.config = load_config(file, overrides);
    return result;
  } catch (const DataError& e) {
    const int64_t classes = listed_classes(file, overrides);
    if (classes < 2)
      throw DataError(fmt::format("{}\n(synthetic images of the same shape could stand in, but data.classes "
                                  "does not list the classes; pass data.classes=[a, b, ...])",
                                  e.what()));
    std::vector<std::string> synthetic = overrides;
    synthetic.push_back("data.dataset=synthetic");
    synthetic.push_back(fmt::format("data.synthetic.classes={}", classes));
    result.config = load_config(file, synthetic);
    result.data_present = false;
    result.note = fmt::format("the data set is absent ({}); using data.dataset=synthetic data.synthetic.classes={} "
                              "(same image size, channels and classes)",
                              e.what(), classes);
    return result;
  }
}

}  // namespace expt
