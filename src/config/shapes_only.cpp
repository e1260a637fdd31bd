#include "config/shapes_only.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/document.hpp"
#include "config/load_config.hpp"
#include "core/error.hpp"

namespace expt {
namespace {

// The document with the overrides applied and references resolved, not yet checked.
config::ConfigDocument document_of(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto document = config::ConfigDocument::parse(text.str(), file.string());
  for (const auto& o : overrides) document.apply_override(o);
  document.interpolate();
  return document;
}

// The number of classes data.classes names (after the overrides), or 0 when it names none.
int64_t listed_classes(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  const config::ConfigDocument document = document_of(file, overrides);
  // find_child, not operator[]: a document without `data` has no node to index further.
  const YAML::Node classes = config::find_child(config::find_child(document.root(), "data"), "classes");
  if (!classes.IsSequence()) return 0;
  for (const auto& c : classes)
    if (c.IsScalar() && c.as<std::string>() == "all") return 0;
  return static_cast<int64_t>(classes.size());
}

// model.init_from's path when the file it names is absent, else "". Like the data set, the
// weights file does not change any shape.
std::string absent_init_from(const std::filesystem::path& file, const std::vector<std::string>& overrides) {
  const YAML::Node path =
      config::find_child(config::find_child(config::find_child(document_of(file, overrides).root(), "model"), "init_from"), "path");
  if (!path.IsScalar() || path.Scalar().empty() || std::filesystem::exists(path.Scalar())) return "";
  return path.Scalar();
}

}  // namespace

ShapesOnlyConfig load_config_for_shapes(const std::filesystem::path& file, const std::vector<std::string>& given) {
  ShapesOnlyConfig result;
  std::vector<std::string> overrides = given;
  if (const std::string weights = absent_init_from(file, given); !weights.empty()) {
    overrides.push_back("model.init_from=null");
    result.note = fmt::format("model.init_from's file {} is absent; checked without it", weights);
  }
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
    result.note = fmt::format("{}{}the data set is absent ({}); using data.dataset=synthetic data.synthetic.classes={} "
                              "(same image size, channels and classes)",
                              result.note, result.note.empty() ? "" : "; ", e.what(), classes);
    return result;
  }
}

}  // namespace expt
