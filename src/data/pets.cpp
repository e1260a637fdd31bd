// The Oxford-IIIT Pet data set (https://www.robots.ox.ac.uk/~vgg/data/pets/), as its two
// archives unpack: images/<Image>.jpg and annotations/{list,trainval,test}.txt, whose lines
// read "Image CLASS-ID SPECIES BREED-ID" after '#' header lines. An image is named after its
// breed plus "_N" (cats capitalised: Abyssinian_1, shiba_inu_12); the breed, lower-cased, is
// the class name, and CLASS-ID (1..37) orders the classes when all are used.
#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/quote.hpp"
#include "core/regular_file.hpp"
#include "data/sources.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;

struct Annotation {
  std::string image;  // file stem under images/
  std::string breed;  // lower-case class name
  int class_id = 0;
};

std::string fetch_hint(const DataConfig& config) {
  return fmt::format("download it with `expt data fetch oxford_pets --dest {}`, or set data.root to the folder "
                     "that holds images/ and annotations/",
                     config.root.empty() ? "DIR" : config.root.string());
}

// The published list.txt is under 300 KB; a file a hundred times larger is not an annotation list.
constexpr int64_t kMaxAnnotationFileBytes = int64_t{32} << 20;

// Read as a regular file of bounded size: a FIFO named list.txt would otherwise block the load
// forever, and /dev/zero behind a link would fill memory.
std::istringstream annotation_text(const fs::path& file, const DataConfig& config) {
  try {
    const std::vector<uint8_t> bytes = read_regular_file(file, kMaxAnnotationFileBytes, "an annotation file");
    return std::istringstream(std::string(bytes.begin(), bytes.end()));
  } catch (const FileReadFailure& e) {
    throw DataError(fmt::format("Oxford-IIIT Pet annotations: cannot read '{}': {}; {}", file.string(), e.what(),
                                fetch_hint(config)));
  }
}

std::vector<Annotation> read_annotations(const fs::path& file, const DataConfig& config) {
  std::istringstream in = annotation_text(file, config);
  std::vector<Annotation> annotations;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#' || line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    Annotation a;
    int species = 0, breed_id = 0;
    if (!(fields >> a.image >> a.class_id >> species >> breed_id) || a.class_id < 1)
      throw DataError(fmt::format("{}:{}: expected \"Image CLASS-ID SPECIES BREED-ID\", got {}", file.string(),
                                  number, quote_value(line)));
    const auto underscore = a.image.rfind('_');
    if (underscore == std::string::npos || underscore == 0 || underscore + 1 == a.image.size() ||
        !std::all_of(a.image.begin() + static_cast<std::ptrdiff_t>(underscore) + 1, a.image.end(),
                     [](unsigned char c) { return std::isdigit(c); }))
      throw DataError(fmt::format("{}:{}: image name {} is not <breed>_<number>", file.string(), number,
                                  quote_value(a.image)));
    a.breed = a.image.substr(0, underscore);
    std::transform(a.breed.begin(), a.breed.end(), a.breed.begin(), [](unsigned char c) { return std::tolower(c); });
    annotations.push_back(std::move(a));
  }
  return annotations;
}

// Every breed of list.txt by CLASS-ID; the same id must always name the same breed.
std::vector<std::string> breeds_of(const std::vector<Annotation>& list, const fs::path& file) {
  std::map<int, std::string> by_id;
  for (const auto& a : list) {
    const auto [it, inserted] = by_id.emplace(a.class_id, a.breed);
    if (!inserted && it->second != a.breed)
      throw DataError(fmt::format("{}: CLASS-ID {} names both '{}' and '{}'", file.string(), a.class_id, it->second,
                                  a.breed));
  }
  std::vector<std::string> breeds;
  for (auto& [id, breed] : by_id) breeds.push_back(breed);
  return breeds;
}

// The classes in label order: data.classes when it names some, else every breed.
std::vector<std::string> selected_breeds(const DataConfig& config, const std::vector<std::string>& breeds,
                                         const fs::path& list_file) {
  if (selects_all_classes(config)) return breeds;
  for (const auto& name : config.classes)
    if (std::find(breeds.begin(), breeds.end(), name) == breeds.end())
      throw DataError(fmt::format("data.classes names '{}', which is not a breed of {} (breeds: {})", name,
                                  list_file.string(), fmt::join(breeds, ", ")));
  return config.classes;
}

struct PetsAnnotations {
  fs::path list_file;
  std::vector<std::string> classes;
};

PetsAnnotations read_classes(const DataConfig& config) {
  PetsAnnotations pets;
  pets.list_file = config.root / "annotations" / "list.txt";
  if (!fs::is_directory(config.root))
    throw DataError(fmt::format("Oxford-IIIT Pet data set not found: '{}' is not a folder; {}", config.root.string(),
                                fetch_hint(config)));
  pets.classes = selected_breeds(config, breeds_of(read_annotations(pets.list_file, config), pets.list_file),
                                 pets.list_file);
  return pets;
}

std::vector<LabelledFile> files_of(const std::vector<Annotation>& annotations, const std::vector<std::string>& classes,
                                   const DataConfig& config) {
  std::vector<LabelledFile> files;
  for (const auto& a : annotations) {
    const auto it = std::find(classes.begin(), classes.end(), a.breed);
    if (it == classes.end()) continue;
    files.push_back({config.root / "images" / (a.image + ".jpg"), static_cast<int32_t>(it - classes.begin())});
  }
  return files;
}

}  // namespace

DatasetInfo probe_oxford_pets(const DataConfig& config) {
  PetsAnnotations pets = read_classes(config);
  return DatasetInfo{image_file_shape(config), static_cast<int64_t>(pets.classes.size()), std::move(pets.classes)};
}

ImageListing list_oxford_pets(const DataConfig& config) {
  const PetsAnnotations pets = read_classes(config);
  ImageListing listing;
  listing.name = "oxford_pets";
  listing.class_names = pets.classes;
  if (config.split == "official") {
    if (config.test_fraction > 0.0)
      throw DataError("data.split official already has a test split (annotations/test.txt): set data.test_fraction "
                      "to 0, or use split: test_fraction");
    const fs::path annotations = config.root / "annotations";
    listing.train = files_of(read_annotations(annotations / "trainval.txt", config), pets.classes, config);
    listing.test = files_of(read_annotations(annotations / "test.txt", config), pets.classes, config);
  } else if (config.split == "test_fraction") {
    if (config.test_fraction <= 0.0)
      throw DataError("oxford_pets with data.split test_fraction needs data.test_fraction > 0 (the seed holds out "
                      "0.15), or data.split: official");
    listing.train = files_of(read_annotations(pets.list_file, config), pets.classes, config);
  } else {
    throw DataError(fmt::format("unknown data.split '{}' (test_fraction | official)", config.split));
  }
  if (listing.train.empty())
    throw DataError(fmt::format("{} lists no image of the classes {}", pets.list_file.string(),
                                fmt::join(pets.classes, ", ")));
  return listing;
}

}  // namespace expt
