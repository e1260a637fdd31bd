// The shipped configs in configs/ load and mean what they say. A config whose data root is
// absent is still checked (schema and shapes) with synthetic images of the same size.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/document.hpp"
#include "config/shapes_only.hpp"
#include "config_test_support.hpp"

using namespace expt;
namespace fs = std::filesystem;

namespace {

const fs::path configs_dir = fs::path(EXPT_SOURCE_DIR) / "configs";

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// data.root and the number of data.classes as the file writes them (after references).
std::pair<std::string, size_t> data_root_and_classes(const fs::path& file) {
  config::ConfigDocument doc = config::ConfigDocument::parse(read_text(file), file.string());
  doc.interpolate();
  const YAML::Node data = config::find_child(doc.root(), "data");
  const YAML::Node root = config::find_child(data, "root");
  const YAML::Node classes = config::find_child(data, "classes");
  return {root.IsDefined() ? root.Scalar() : "", classes.IsDefined() ? classes.size() : 0};
}

// Sweep files (a `base:` run config plus `parameters:`) are checked by the sweep tests.
bool is_sweep_file(const fs::path& file) {
  const config::ConfigDocument doc = config::ConfigDocument::parse(read_text(file), file.string());
  return config::find_child(doc.root(), "base").IsDefined();
}

}  // namespace

TEST_CASE("every run config in configs/ loads") {
  int files = 0;
  for (const auto& entry : fs::directory_iterator(configs_dir)) {
    if (entry.path().extension() != ".yaml" || is_sweep_file(entry.path())) continue;
    ++files;
    CAPTURE(entry.path());
    const auto [root, classes] = data_root_and_classes(entry.path());
    const ShapesOnlyConfig loaded = load_config_for_shapes(entry.path(), {});
    if (!root.empty() && !fs::exists(root)) {
      MESSAGE("data root " << root << " is absent: " << entry.path().filename().string() << " checked with "
                           << "synthetic images of the same size");
      CHECK_FALSE(loaded.data_present);
      CHECK(loaded.note.find(root) != std::string::npos);  // says which data set is missing
      CHECK(loaded.config.classes == static_cast<int64_t>(classes));
    } else {
      CHECK(loaded.data_present);
    }
    const ExperimentConfig& c = loaded.config;
    CHECK(c.name == entry.path().stem().string());
    CHECK(c.layers.back().units == c.classes);
  }
  CHECK(files >= 5);
}

TEST_CASE("each no-dropout config is its dropout twin with training.dropout false") {
  for (const std::string pair : {"fashion", "pets"}) {
    CAPTURE(pair);
    const std::vector<std::string> stand_in{"data.dataset=synthetic", "data.synthetic.classes=2",
                                            "data.classes=[a, b]"};
    ExperimentConfig with = load_config(configs_dir / (pair + "_dropout.yaml"), stand_in);
    ExperimentConfig without = load_config(configs_dir / (pair + "_nodropout.yaml"), stand_in);
    CHECK(with.training.dropout);
    CHECK_FALSE(without.training.dropout);
    without.name = with.name;
    without.training.dropout = true;
    CHECK(to_yaml(without) == to_yaml(with));
  }
}

TEST_CASE("the pets configs are the seed network: 224x224x3, dropout 0.8 after pools, 0.5 after fc1") {
  const ExperimentConfig c = load_config(configs_dir / "pets_dropout.yaml",
                                         {"data.dataset=synthetic", "data.synthetic.classes=2"});
  CHECK(c.input == Shape{3, 224, 224});
  CHECK(c.training.batch_size == 10);
  CHECK(c.training.epochs == 400);
  CHECK(c.training.optimizer.learning_rate == 1e-5);
  CHECK(c.data.classes == std::vector<std::string>{"shiba_inu", "samoyed"});
  std::vector<double> rates;
  for (const auto& l : c.layers)
    if (l.kind == LayerKind::dropout) rates.push_back(l.rate);
  REQUIRE(rates.size() >= 2);
  CHECK(rates.back() == 0.5);
  for (size_t i = 0; i + 1 < rates.size(); ++i) CHECK(rates[i] == 0.8);
}
