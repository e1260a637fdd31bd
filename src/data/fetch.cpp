#include "data/fetch.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace expt {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Archive {
  std::string name;
  int64_t published_size;  // bytes, as published on the official site
};
const Archive kPetsArchives[] = {{"images.tar.gz", 791918971}, {"annotations.tar.gz", 19173078}};

std::string mib(double bytes) { return fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024.0)); }

// One transfer's state, shared with curl's callbacks.
struct Transfer {
  std::FILE* file = nullptr;
  std::string label;
  int64_t resumed_from = 0;
  bool progress = false;
  bool terminal = false;
  Clock::time_point started = Clock::now(), last_shown{};
  int last_decile = -1;
};

size_t write_to_file(char* data, size_t size, size_t count, void* user) {
  return std::fwrite(data, size, count, static_cast<Transfer*>(user)->file) * size;
}

// A bar redrawn in place on a terminal; a line per 10% when stderr is a file or pipe.
int show_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto& t = *static_cast<Transfer*>(user);
  if (!t.progress || total <= 0) return 0;
  const double done = static_cast<double>(t.resumed_from + now), all = static_cast<double>(t.resumed_from + total);
  const double fraction = done / all;
  const double seconds = std::chrono::duration<double>(Clock::now() - t.started).count();
  const double rate = seconds > 0 ? static_cast<double>(now) / seconds : 0;
  if (t.terminal) {
    if (Clock::now() - t.last_shown < std::chrono::milliseconds(200) && now < total) return 0;
    t.last_shown = Clock::now();
    const int width = 30, filled = static_cast<int>(fraction * width);
    fmt::print(stderr, "\r{:<20} [{}{}] {:5.1f}% {} / {} {}/s   ", t.label, std::string(filled, '#'),
               std::string(width - filled, ' '), 100 * fraction, mib(done), mib(all), mib(rate));
  } else if (const int decile = static_cast<int>(fraction * 10); decile > t.last_decile) {
    t.last_decile = decile;
    fmt::print(stderr, "{}: {:.0f}% of {}\n", t.label, 100 * fraction, mib(all));
  }
  return 0;
}

struct CurlCleanup {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

int64_t size_of(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  return ec ? 0 : static_cast<int64_t>(size);
}

// Appends the rest of `url` to `part`. Returns "" when the file is complete, else why not.
std::string download_rest(const std::string& url, const fs::path& part, const FetchOptions& options,
                          const std::string& label, int64_t& expected_size) {
  Transfer t;
  t.label = label;
  t.resumed_from = size_of(part);
  t.progress = options.progress;
  t.terminal = ::isatty(STDERR_FILENO) == 1;
  t.file = std::fopen(part.c_str(), "ab");
  if (!t.file) throw IoError(fmt::format("cannot write {}: {}", part.string(), std::strerror(errno)));
  const std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(t.resumed_from));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, show_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &t);
  // A stalled connection (under 1 KiB/s for a minute) is dropped and resumed by the next attempt.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  const CURLcode code = curl_easy_perform(curl.get());
  const bool write_failed = std::fclose(t.file) != 0;
  if (t.progress && t.terminal) fmt::print(stderr, "\n");
  if (write_failed) throw IoError(fmt::format("cannot write {}: {}", part.string(), std::strerror(errno)));

  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  curl_off_t length = -1;
  curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  // 206: the rest after what we had; 200: the whole file (curl accepts it when we already had it all).
  if (code == CURLE_OK && length >= 0) expected_size = (status == 206 ? t.resumed_from : 0) + length;
  if (code == CURLE_HTTP_RETURNED_ERROR && status == 416) return "";  // nothing left past what we have
  if (code == CURLE_RANGE_ERROR) {  // the server ignores Range: start over
    fs::remove(part);
    return "the server cannot resume; starting again";
  }
  if (code != CURLE_OK) return error[0] ? error : curl_easy_strerror(code);
  return "";
}

fs::path download(const Archive& archive, const FetchOptions& options, bool official) {
  const fs::path target = options.dest / archive.name, part = target.string() + ".part";
  if (fs::exists(target) && (!official || size_of(target) == archive.published_size)) return target;
  const std::string url = options.base_url + (options.base_url.ends_with('/') ? "" : "/") + archive.name;
  int64_t expected = official ? archive.published_size : -1;
  std::string problem;
  for (int attempt = 1; attempt <= options.attempts; ++attempt) {
    if (attempt > 1) {
      fmt::print(stderr, "{}: {}; resuming at {} (attempt {} of {})\n", archive.name, problem, mib(size_of(part)),
                 attempt, options.attempts);
      std::this_thread::sleep_for(std::chrono::seconds(1));  // a moment for a flaky link to recover
    }
    int64_t announced = -1;
    problem = download_rest(url, part, options, archive.name, announced);
    if (!official && announced >= 0) expected = announced;
    if (!problem.empty()) continue;
    const int64_t got = size_of(part);
    if (expected >= 0 && got != expected) {
      fs::remove(part);
      throw DataError(fmt::format("{} from {} has {} bytes, expected {}; removed it, run the command again", archive.name,
                                  url, got, expected));
    }
    fs::rename(part, target);
    return target;
  }
  throw DataError(fmt::format("cannot download {}: {}. The {} received so far are kept in {}; run the same command "
                              "again to resume",
                              url, problem, mib(size_of(part)), part.string()));
}

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

// An entry name that stays inside the destination: relative, without "..".
fs::path inside_dest(const fs::path& archive_file, const char* name) {
  const fs::path path(name ? name : "");
  const bool escapes = path.is_absolute() || std::any_of(path.begin(), path.end(), [](const fs::path& part) {
    return part == "..";
  });
  if (path.empty() || escapes)
    throw DataError(fmt::format("{} holds an entry that would land outside the destination: '{}'",
                                archive_file.string(), path.string()));
  return path;
}

// Only these are unpacked. A symbolic link could point anywhere (annotations/list.txt ->
// /etc/passwd), and stays behind even when a later entry gets the archive rejected; device
// nodes and FIFOs, which root would create, have no place in a data set.
bool is_file_or_folder(archive_entry* entry) {
  const auto type = archive_entry_filetype(entry);
  return type == AE_IFREG || type == AE_IFDIR;
}

// Unpacks under dest, refusing absolute paths, ".." and writes through symbolic links, and
// skipping (and naming on stderr) every entry that is neither a regular file nor a folder.
void unpack(const fs::path& archive_file, const fs::path& dest) {
  const std::unique_ptr<archive, ArchiveReadFree> in(archive_read_new());
  archive_read_support_filter_all(in.get());
  archive_read_support_format_all(in.get());
  const std::unique_ptr<archive, ArchiveWriteFree> out(archive_write_disk_new());
  // libarchive's own absolute-path and ".." checks would also reject dest itself, so the entry
  // names are checked here, before dest is put in front of them.
  archive_write_disk_set_options(out.get(), ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS);
  const auto fail = [&](archive* a) {
    throw DataError(fmt::format("cannot unpack {}: {}", archive_file.string(), archive_error_string(a)));
  };
  if (archive_read_open_filename(in.get(), archive_file.c_str(), 1 << 16) != ARCHIVE_OK) fail(in.get());
  archive_entry* entry = nullptr;
  while (true) {
    const int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) fail(in.get());
    if (!is_file_or_folder(entry)) {
      fmt::print(stderr, "{}: skipped '{}': not a regular file or folder\n", archive_file.string(),
                 archive_entry_pathname(entry) ? archive_entry_pathname(entry) : "");
      continue;
    }
    const std::string path = (dest / inside_dest(archive_file, archive_entry_pathname(entry))).string();
    archive_entry_set_pathname(entry, path.c_str());
    if (const char* link = archive_entry_hardlink(entry))
      archive_entry_set_hardlink(entry, (dest / inside_dest(archive_file, link)).string().c_str());
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) fail(out.get());
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int data;
    while ((data = archive_read_data_block(in.get(), &block, &size, &offset)) == ARCHIVE_OK)
      if (archive_write_data_block(out.get(), block, size, offset) < ARCHIVE_WARN) fail(out.get());
    if (data < ARCHIVE_WARN) fail(in.get());
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) fail(out.get());
  }
}

}  // namespace

fs::path fetch_oxford_pets(const FetchOptions& options) {
  std::error_code ec;
  fs::create_directories(options.dest, ec);
  if (ec) throw IoError(fmt::format("cannot create folder {}: {}", options.dest.string(), ec.message()));
  const bool official = options.base_url == kOxfordPetsUrl;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  for (const Archive& archive : kPetsArchives) {
    const fs::path file = download(archive, options, official);
    // A marker per archive, so a second fetch does not unpack 750 MiB again.
    const fs::path marker = options.dest / ("." + archive.name + ".unpacked");
    if (fs::exists(marker)) continue;
    fmt::print(stderr, "unpacking {}\n", file.string());
    unpack(file, options.dest);
    write_file_atomically(marker, std::string_view(archive.name));
  }
  curl_global_cleanup();
  return options.dest;
}

}  // namespace expt
