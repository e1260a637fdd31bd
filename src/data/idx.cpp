// MNIST-style IDX files (http://yann.lecun.com/exdb/mnist/): a big-endian header, then uint8
// data. Images: magic 0x00000803, count, rows, cols; labels: magic 0x00000801, count.
// zlib's gzread passes plain files through unchanged, so one reader serves both forms.
//
// MNIST and Fashion-MNIST (and other drop-ins) share this format and the labels 0..9; the files
// carry no class names. Names therefore come only from data.classes (e.g. "t-shirt/top",
// "trouser", ... for Fashion-MNIST), else "0".."9": guessing from the folder name would
// silently mislabel a renamed or different data set.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "core/checked_arithmetic.hpp"
#include "core/error.hpp"
#include "data/sources.hpp"

namespace expt {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

// The plain file when present, else the gzipped one.
std::filesystem::path find_idx_file(const std::filesystem::path& root, const std::string& name) {
  const auto plain = root / name;
  const auto gzipped = root / (name + ".gz");
  std::error_code ignored;
  if (std::filesystem::is_regular_file(plain, ignored)) return plain;
  if (std::filesystem::is_regular_file(gzipped, ignored)) return gzipped;
  throw DataError(fmt::format("idx data set: missing {}: looked for {} and {}", name, plain.string(),
                              gzipped.string()));
}

class IdxReader {
 public:
  explicit IdxReader(std::filesystem::path path)
      : path_(std::move(path)), file_(gzopen(path_.c_str(), "rb")) {
    if (!file_) fail(fmt::format("cannot open: {}", std::strerror(errno)));
    gzbuffer(file_, 1 << 17);
  }
  ~IdxReader() { gzclose(file_); }
  IdxReader(const IdxReader&) = delete;
  IdxReader& operator=(const IdxReader&) = delete;

  [[noreturn]] void fail(std::string_view what) const {
    throw DataError(fmt::format("{}: {}", path_.string(), what));
  }

  uint32_t read_big_endian_u32() {
    uint8_t bytes[4];
    if (read_some(bytes) != 4) fail("file ends inside the header");
    return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
  }

  void expect_magic(uint32_t expected, std::string_view kind) {
    const uint32_t magic = read_big_endian_u32();
    if (magic != expected)
      fail(fmt::format("bad magic number 0x{:08x}, expected 0x{:08x} ({})", magic, expected, kind));
  }

  // Reads exactly `bytes` bytes, growing the buffer as data arrives so that a corrupt header
  // declaring terabytes fails as a short read rather than as an allocation failure.
  std::vector<uint8_t> read_payload(uint64_t bytes, std::string_view what) {
    constexpr uint64_t kChunk = uint64_t{64} << 20;
    std::vector<uint8_t> data;
    data.reserve(std::min(bytes, kChunk));
    while (data.size() < bytes) {
      const size_t offset = data.size();
      const size_t want = std::min(bytes - offset, kChunk);
      data.resize(offset + want);
      const size_t got = read_some({data.data() + offset, want});
      if (got < want)
        fail(fmt::format("truncated: the header declares {} bytes of {} but the file has {}", bytes, what,
                         offset + got));
    }
    warn_about_trailing_bytes(bytes, what);
    return data;
  }

 private:
  // Extra bytes are kept out of the data set but do not stop it: a tool may have padded the
  // file. They are counted, so a header that declares too little does not pass unnoticed.
  void warn_about_trailing_bytes(uint64_t bytes, std::string_view what) {
    uint64_t extra = 0;
    std::vector<uint8_t> scratch(1 << 16);
    for (size_t got; (got = read_some(scratch)) > 0;) extra += got;
    if (extra > 0)
      fmt::print(stderr, "warning: {}: {} bytes after the {} bytes of {} that the header declares are ignored\n",
                 path_.string(), extra, bytes, what);
  }

  // Fewer bytes than asked for only at the end of the data.
  size_t read_some(std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
      const auto chunk = static_cast<unsigned>(std::min<size_t>(out.size() - done, 1u << 30));
      const int got = gzread(file_, out.data() + done, chunk);
      // zlib reports a gzip stream cut short (Z_BUF_ERROR) only by a read of 0 bytes.
      if (got < 0 || (got == 0 && zlib_failed())) fail(fmt::format("unreadable: {}", zlib_reason()));
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

  bool zlib_failed() const {
    int code;
    gzerror(file_, &code);
    return code != Z_OK;
  }

  // zlib's message without the "<path>: " it puts in front.
  std::string zlib_reason() const {
    int code;
    const std::string message = gzerror(file_, &code);
    const std::string prefix = path_.string() + ": ";
    return message.starts_with(prefix) ? message.substr(prefix.size()) : message;
  }

  std::filesystem::path path_;
  gzFile file_;
};

enum class Read { headers_and_labels, everything };

struct IdxSplit {
  std::filesystem::path images_path, labels_path;
  ImageSet set;  // pixels stay empty with Read::headers_and_labels
};

// `prefix` is "train" or "t10k".
IdxSplit read_idx_split(const std::filesystem::path& root, std::string_view prefix, Read read) {
  IdxSplit split;
  split.images_path = find_idx_file(root, fmt::format("{}-images-idx3-ubyte", prefix));
  split.labels_path = find_idx_file(root, fmt::format("{}-labels-idx1-ubyte", prefix));

  IdxReader labels(split.labels_path);
  labels.expect_magic(kLabelsMagic, "labels: unsigned bytes, 1 dimension");
  const uint32_t label_count = labels.read_big_endian_u32();
  const std::vector<uint8_t> label_bytes = labels.read_payload(label_count, "labels");
  split.set.labels.assign(label_bytes.begin(), label_bytes.end());

  IdxReader images(split.images_path);
  images.expect_magic(kImagesMagic, "images: unsigned bytes, 3 dimensions");
  const uint32_t image_count = images.read_big_endian_u32();
  const uint32_t rows = images.read_big_endian_u32();
  const uint32_t cols = images.read_big_endian_u32();
  if (rows == 0 || cols == 0) images.fail(fmt::format("images of {}x{} pixels", rows, cols));
  if (image_count != label_count)
    images.fail(fmt::format("{} images but {} has {} labels", image_count, split.labels_path.string(),
                            label_count));
  // Three 32-bit factors can wrap past 2^64 into a small size that would pass the length check.
  const auto pixel_bytes = checked_product<int64_t>({image_count, rows, cols});
  if (!pixel_bytes)
    images.fail(fmt::format("the header declares {} images of {}x{} pixels: more than 2^63 bytes", image_count, rows,
                            cols));
  split.set.shape = Shape{1, rows, cols};
  if (read == Read::everything) split.set.pixels = images.read_payload(static_cast<uint64_t>(*pixel_bytes), "pixels");
  return split;
}

struct IdxData {
  IdxSplit train, test;
  std::vector<std::string> class_names;
};

IdxData read_idx(const DataConfig& config, Read read) {
  IdxData data{read_idx_split(config.root, "train", read), read_idx_split(config.root, "t10k", read), {}};
  if (data.train.set.shape != data.test.set.shape)
    throw DataError(fmt::format("idx data set: {} has {} images but {} has {}", data.train.images_path.string(),
                                data.train.set.shape.str(), data.test.images_path.string(),
                                data.test.set.shape.str()));
  if (data.train.set.size() == 0)
    throw DataError(fmt::format("{}: no training images", data.train.images_path.string()));

  const auto& train_labels = data.train.set.labels;
  const int64_t classes = config.classes.empty()
                              ? int64_t{*std::max_element(train_labels.begin(), train_labels.end())} + 1
                              : static_cast<int64_t>(config.classes.size());
  const std::string valid_range = config.classes.empty()
                                      ? fmt::format("the training labels are 0..{}", classes - 1)
                                      : fmt::format("data.classes names {} classes", classes);
  for (const IdxSplit* split : {&data.train, &data.test}) {
    const auto& labels = split->set.labels;
    const auto bad = std::find_if(labels.begin(), labels.end(), [&](int32_t l) { return l >= classes; });
    if (bad != labels.end())
      throw DataError(fmt::format("{}: label {} of item {} is out of range ({})", split->labels_path.string(),
                                  *bad, bad - labels.begin(), valid_range));
  }
  data.class_names = class_names(config, classes, config.root.string());
  return data;
}

}  // namespace

DatasetInfo probe_idx(const DataConfig& config) {
  IdxData data = read_idx(config, Read::headers_and_labels);
  return DatasetInfo{data.train.set.shape, static_cast<int64_t>(data.class_names.size()),
                     std::move(data.class_names)};
}

Dataset load_idx(const DataConfig& config) {
  IdxData data = read_idx(config, Read::everything);
  Dataset dataset;
  dataset.name = "idx";
  dataset.class_names = std::move(data.class_names);
  dataset.train = std::move(data.train.set);
  dataset.test = std::move(data.test.set);
  return dataset;
}

}  // namespace expt
