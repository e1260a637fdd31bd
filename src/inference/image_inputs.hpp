#pragma once
// The images `expt predict` is given: files and folders on the command line, each file decoded
// and resized as the run's image data set would have been (data/image_file.hpp).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.hpp"

namespace expt {

struct ImageInputs {
  ImageSet images;                          // labels all 0: these images have none
  std::vector<std::filesystem::path> files;  // one per image, in order
  std::vector<std::string> skipped;          // "<path>: <reason>" per file or folder that gave no image
};

// A file is taken as given; a folder contributes every .png, .jpg and .jpeg file under it (any
// case, subfolders included), in path order. A file that cannot be read or decoded, or a folder
// without such files, is skipped with its reason.
ImageInputs load_image_inputs(const std::vector<std::filesystem::path>& paths, const Shape& shape,
                              std::string_view resize);

}  // namespace expt
