// Writes a generated Oxford-IIIT Pet layout for the end-to-end script and the loader benchmark:
//   make_image_sets <root> <images per breed> <width> <height> [plain]
// `plain` leaves out the unusual files (PNG named .jpg, CMYK, grayscale, truncated).
#include <cstdio>
#include <string>

#include "test_images.hpp"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s <root> <images per breed> <width> <height> [plain]\n", argv[0]);
    return 2;
  }
  expt::test::PetsLayoutOptions options;
  options.images_per_breed = std::stoi(argv[2]);
  options.width = std::stoi(argv[3]);
  options.height = std::stoi(argv[4]);
  options.unusual_files = !(argc > 5 && std::string(argv[5]) == "plain");
  expt::test::write_pets_layout(argv[1], options);
  return 0;
}
