// load_image_files: the listed files decoded in parallel (or read from the cache), skipped
// files counted, then split back into the listing's train and test parts.
#include <atomic>
#include <chrono>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "data/image_cache.hpp"
#include "data/image_decode.hpp"
#include "data/image_file.hpp"
#include "data/sources.hpp"

namespace expt {
namespace {

// Every file on all cores. A file that cannot be read or decoded is recorded and skipped;
// anything else (out of memory) stops the load.
DecodedFiles decode_files(const std::vector<LabelledFile>& files, const Shape& shape, const std::string& resize) {
  const auto count = static_cast<int64_t>(files.size());
  const auto image_bytes = static_cast<size_t>(shape.size());
  DecodedFiles out;
  out.shape = shape;
  out.pixels.resize(files.size() * image_bytes);
  out.decoded.assign(files.size(), 0);
  std::vector<std::string> reasons(files.size());
  std::atomic<int64_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  const auto work = [&] {
    for (int64_t i = next++; i < count; i = next++) {
      try {
        load_image_file(files[i].path, shape, resize, std::span(out.pixels).subspan(i * image_bytes, image_bytes));
        out.decoded[i] = 1;
      } catch (const DecodeError& e) {
        reasons[i] = e.what();
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        next = count;
      }
    }
  };
  std::vector<std::jthread> helpers;
  for (unsigned t = 1; t < std::max(1u, std::thread::hardware_concurrency()); ++t) helpers.emplace_back(work);
  work();
  helpers.clear();  // joins
  if (failure) std::rethrow_exception(failure);

  // Compact: the decoded images in listing order, without gaps for the skipped ones.
  size_t kept = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    out.labels.push_back(files[i].label);
    if (!out.decoded[i]) {
      out.skipped.push_back(fmt::format("{}: {}", files[i].path.string(), reasons[i]));
      continue;
    }
    if (kept != i) std::memmove(out.pixels.data() + kept * image_bytes, out.pixels.data() + i * image_bytes, image_bytes);
    ++kept;
  }
  out.pixels.resize(kept * image_bytes);
  out.pixels.shrink_to_fit();
  return out;
}

std::string options_text(const Shape& shape, const std::string& resize) {
  return fmt::format("{} {} {} {}\n", shape.c, shape.h, shape.w, resize);
}

// Names the cache file: the same files and options always map to the same file.
uint64_t cache_identity(const std::string& name, const std::vector<LabelledFile>& files, const std::string& options) {
  uint64_t h = fnv1a64(name + "\n" + options);
  for (const auto& f : files) h = fnv1a64(std::filesystem::absolute(f.path).string() + "\n", h);
  return h;
}

// Checked inside the file: any change of a file's size or time, or of a label, makes it stale.
uint64_t cache_key(const std::vector<LabelledFile>& files, const std::string& options) {
  uint64_t h = fnv1a64(options);
  for (const auto& f : files) {
    std::error_code size_error, time_error;
    const auto size = std::filesystem::file_size(f.path, size_error);
    const auto time = std::filesystem::last_write_time(f.path, time_error);
    h = fnv1a64(fmt::format("{}\n{}\n{}\n{}\n", std::filesystem::absolute(f.path).string(), size_error ? -1 : static_cast<int64_t>(size),
                            time_error ? 0 : time.time_since_epoch().count(), f.label),
                h);
  }
  return h;
}

void check_skipped(const DecodedFiles& decoded, const DataConfig& config) {
  const auto files = static_cast<double>(decoded.labels.size());
  const auto skipped = static_cast<double>(decoded.skipped.size());
  if (skipped <= config.max_skipped_fraction * files) return;
  const size_t shown = std::min<size_t>(decoded.skipped.size(), 5);
  throw DataError(fmt::format(
      "{} of {} image files could not be decoded, more than data.max_skipped_fraction {} allows:\n  {}{}",
      decoded.skipped.size(), decoded.labels.size(), config.max_skipped_fraction,
      fmt::join(decoded.skipped.begin(), decoded.skipped.begin() + static_cast<std::ptrdiff_t>(shown), "\n  "),
      shown < decoded.skipped.size() ? fmt::format("\n  ... and {} more", decoded.skipped.size() - shown) : ""));
}

}  // namespace

Shape image_file_shape(const DataConfig& config) {
  if (config.image_height <= 0 || config.image_width <= 0)
    throw DataError(fmt::format("data set '{}' needs data.image_size: its images differ in size (e.g. 224)",
                                config.dataset));
  return Shape{config.channels > 0 ? config.channels : 3, config.image_height, config.image_width};
}

Dataset load_image_files(const ImageListing& listing, const DataConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  const Shape shape = image_file_shape(config);
  std::vector<LabelledFile> files = listing.train;
  files.insert(files.end(), listing.test.begin(), listing.test.end());
  const std::string options = options_text(shape, config.resize);

  Dataset dataset;
  dataset.name = listing.name;
  dataset.class_names = listing.class_names;
  DataLoadStats& stats = dataset.load_stats;
  stats.files = static_cast<int64_t>(files.size());

  DecodedFiles decoded;
  if (config.cache) {
    const auto path =
        image_cache_folder(config) / fmt::format("{}-{}.images", listing.name, hex64(cache_identity(listing.name, files, options)));
    const uint64_t key = cache_key(files, options);
    std::string why_not;
    stats.cache_file = path.string();
    if (auto cached = read_image_cache(path, key, why_not)) {
      decoded = std::move(*cached);
      stats.cache = "hit";
    } else {
      decoded = decode_files(files, shape, config.resize);
      stats.decoded = stats.files;
      write_image_cache(path, key, decoded);  // also when too many failed: the next load fails at once
      stats.cache = why_not == "absent" ? "written" : fmt::format("rebuilt ({})", why_not);
    }
  } else {
    decoded = decode_files(files, shape, config.resize);
    stats.decoded = stats.files;
  }
  check_skipped(decoded, config);

  // The listing's train files come first: their decoded images are a prefix of the pixels.
  const auto image_bytes = static_cast<size_t>(shape.size());
  ImageSet all{shape, std::move(decoded.pixels), {}};
  size_t train_images = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!decoded.decoded[i]) continue;
    all.labels.push_back(decoded.labels[i]);
    if (i < listing.train.size()) ++train_images;
  }
  dataset.test.shape = shape;
  dataset.test.labels.assign(all.labels.begin() + static_cast<std::ptrdiff_t>(train_images), all.labels.end());
  dataset.test.pixels.assign(all.pixels.begin() + static_cast<std::ptrdiff_t>(train_images * image_bytes),
                             all.pixels.end());
  all.labels.resize(train_images);
  all.pixels.resize(train_images * image_bytes);
  dataset.train = std::move(all);
  dataset.skipped = std::move(decoded.skipped);
  if (dataset.train.size() == 0)
    throw DataError(fmt::format("data set '{}' has no training images that could be decoded", listing.name));
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return dataset;
}

}  // namespace expt
