#include "test_images.hpp"

#include <png.h>
#include <turbojpeg.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <stdexcept>

namespace expt::test {

RawImage flat_image(int width, int height, std::vector<uint8_t> value) {
  RawImage image{width, height, static_cast<int>(value.size()), {}};
  for (int j = 0; j < width * height; ++j) image.pixels.insert(image.pixels.end(), value.begin(), value.end());
  return image;
}

RawImage photo_like(int width, int height, int label, int index) {
  RawImage image{width, height, 3, std::vector<uint8_t>(static_cast<size_t>(width * height * 3))};
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        const double base = 60 + 50 * ((label + c) % 3);
        const double wave = 40 * std::sin(0.05 * (x + 3 * index) + 0.07 * y * (c + 1) + label);
        image.pixels[(static_cast<size_t>(y) * width + x) * 3 + c] =
            static_cast<uint8_t>(std::lround(std::clamp(base + wave + ((x * 7 + y * 13 + index) % 17), 0.0, 255.0)));
      }
  return image;
}

std::vector<uint8_t> encode_jpeg(const RawImage& image, int quality) {
  const int format = image.channels == 1 ? TJPF_GRAY : image.channels == 4 ? TJPF_CMYK : TJPF_RGB;
  const int subsampling = image.channels == 1 ? TJSAMP_GRAY : TJSAMP_444;
  tjhandle handle = tjInitCompress();
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  const int result = tjCompress2(handle, image.pixels.data(), image.width, 0, image.height, format, &jpeg, &size,
                                 subsampling, quality, 0);
  std::vector<uint8_t> bytes(jpeg, jpeg + size);
  tjFree(jpeg);
  tjDestroy(handle);
  if (result != 0) throw std::runtime_error("tjCompress2 failed");
  return bytes;
}

std::vector<uint8_t> encode_png(const RawImage& image, int bit_depth) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = image.channels == 1 ? PNG_FORMAT_GRAY : image.channels == 4 ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB;
  std::vector<uint16_t> wide;
  const void* pixels = image.pixels.data();
  if (bit_depth == 16) {  // the simplified API writes 16-bit when given linear 16-bit samples
    png.format |= PNG_FORMAT_FLAG_LINEAR;
    for (uint8_t v : image.pixels) wide.push_back(static_cast<uint16_t>(std::lround(65535.0 * std::pow(v / 255.0, 2.2))));
    pixels = wide.data();
  }
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, pixels, 0, nullptr))
    throw std::runtime_error(png.message);
  std::vector<uint8_t> bytes(size);
  if (!png_image_write_to_memory(&png, bytes.data(), &size, 0, pixels, 0, nullptr))
    throw std::runtime_error(png.message);
  bytes.resize(size);
  return bytes;
}

std::vector<uint8_t> png_declaring(uint32_t width, uint32_t height) {
  std::vector<uint8_t> bytes = encode_png(flat_image(2, 2, {1, 2, 3}));
  // IHDR follows the 8-byte signature: length (4), "IHDR", width, height, 5 more bytes, CRC.
  constexpr size_t kType = 12, kWidth = 16, kCrc = 29;
  for (int i = 0; i < 4; ++i) {
    bytes[kWidth + i] = static_cast<uint8_t>(width >> (24 - 8 * i));
    bytes[kWidth + 4 + i] = static_cast<uint8_t>(height >> (24 - 8 * i));
  }
  const auto crc = static_cast<uint32_t>(crc32(0, bytes.data() + kType, kCrc - kType));
  for (int i = 0; i < 4; ++i) bytes[kCrc + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  return bytes;
}

void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_pets_layout(const std::filesystem::path& root, const PetsLayoutOptions& options) {
  const auto annotations = root / "annotations";
  std::filesystem::create_directories(annotations);
  std::ofstream list(annotations / "list.txt"), trainval(annotations / "trainval.txt"), test(annotations / "test.txt");
  list << "#Image CLASS-ID SPECIES BREED ID\n#ID: 1:37 Class ids\n#SPECIES: 1:Cat 2:Dog\n#BREED ID: 1-25:Cat 1:12:Dog\n"
          "#All images with 1st letter as captial are cat images\n";
  for (size_t b = 0; b < options.breeds.size(); ++b) {
    const Breed& breed = options.breeds[b];
    for (int n = 1; n <= options.images_per_breed; ++n) {
      const std::string name = breed.name + "_" + std::to_string(n);
      const std::string line = name + " " + std::to_string(breed.class_id) + " " + std::to_string(breed.species) + " " +
                               std::to_string(static_cast<int>(b) + 1) + "\n";
      list << line;
      (n % 2 == 1 ? trainval : test) << line;
      // Sizes vary like the real photos' do.
      const RawImage photo = photo_like(options.width + 8 * (n % 3), options.height - 6 * (n % 2),
                                        static_cast<int>(b), n);
      std::vector<uint8_t> bytes = encode_jpeg(photo);
      if (options.unusual_files && b == 1 && n == 2) bytes = encode_png(photo);
      if (options.unusual_files && b == 1 && n == 3) {
        RawImage cmyk{photo.width, photo.height, 4, {}};
        for (size_t j = 0; j < photo.pixels.size(); j += 3)  // Adobe-inverted CMYK with no black ink
          cmyk.pixels.insert(cmyk.pixels.end(), {photo.pixels[j], photo.pixels[j + 1], photo.pixels[j + 2], 255});
        bytes = encode_jpeg(cmyk);
      }
      if (options.unusual_files && b == 1 && n == 4) {
        RawImage gray{photo.width, photo.height, 1, {}};
        for (size_t j = 0; j < photo.pixels.size(); j += 3) gray.pixels.push_back(photo.pixels[j + 1]);
        bytes = encode_jpeg(gray);
      }
      if (options.unusual_files && b + 1 == options.breeds.size() && n == 5) bytes.resize(bytes.size() / 2);
      write_file(root / "images" / (name + ".jpg"), bytes);
    }
  }
}

}  // namespace expt::test
