#pragma once
// Image files for the tests, written with the same libraries expt reads them with
// (libjpeg-turbo, libpng), and data sets in the Oxford-IIIT Pet and class-folder layouts.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace expt::test {

// Interleaved pixels: channels 1 (gray), 3 (RGB) or 4 (CMYK for JPEG, RGBA for PNG).
struct RawImage {
  int width = 0, height = 0, channels = 3;
  std::vector<uint8_t> pixels;
};

RawImage flat_image(int width, int height, std::vector<uint8_t> value);  // value.size() channels
// A smooth colour field with some texture, different per (label, index): JPEG-friendly.
RawImage photo_like(int width, int height, int label, int index);

std::vector<uint8_t> encode_jpeg(const RawImage& image, int quality = 95);
// bit_depth 16 writes a 16-bit (linear) PNG.
std::vector<uint8_t> encode_png(const RawImage& image, int bit_depth = 8);
void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);
// A small valid PNG whose header declares width x height pixels: a decompression bomb's header.
std::vector<uint8_t> png_declaring(uint32_t width, uint32_t height);

// A breed as the Pets annotations spell it (cats capitalised) with its CLASS-ID.
struct Breed {
  std::string name;
  int class_id;
  int species;  // 1 cat, 2 dog
};

struct PetsLayoutOptions {
  std::vector<Breed> breeds{{"Abyssinian", 1, 1}, {"samoyed", 30, 2}, {"shiba_inu", 32, 2}};
  int images_per_breed = 6;
  int width = 120, height = 90;  // the real images are about 500x375
  // Adds, in the first breed after the first, a PNG named .jpg (…_2), a CMYK JPEG (…_3), a
  // grayscale JPEG (…_4); and in the last breed a truncated JPEG (…_5).
  bool unusual_files = true;
};

// root/images/<Breed>_<n>.jpg and root/annotations/{list,trainval,test}.txt; odd n go to
// trainval, even n to test.
void write_pets_layout(const std::filesystem::path& root, const PetsLayoutOptions& options);

}  // namespace expt::test
