#include "experiment/usable_memory.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace expt {
namespace {

namespace fs = std::filesystem;

// The first number in a small file such as memory.max; nullopt for "max" or a missing file.
std::optional<int64_t> number_in(const fs::path& file) {
  std::ifstream in(file);
  std::string word;
  if (!(in >> word)) return std::nullopt;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc() || end != word.data() + word.size()) return std::nullopt;
  return value;
}

// A `name value` line of a memory.stat file; 0 when absent.
int64_t stat_value(const fs::path& file, std::string_view name) {
  std::ifstream in(file);
  std::string key;
  int64_t value = 0;
  while (in >> key >> value)
    if (key == name) return value;
  return 0;
}

void keep_smaller(std::optional<UsableMemory>& best, int64_t bytes, std::string source) {
  if (!best || bytes < best->bytes) best = UsableMemory{std::max<int64_t>(bytes, 0), std::move(source)};
}

// Each ancestor cgroup may set a limit; what is left under it is the limit minus the usage, less
// the inactive page cache the kernel drops before it refuses (usage counts the cache).
void cgroup_limits(const fs::path& root, std::string group, const char* limit_file, const char* usage_file,
                   const char* inactive_cache, std::optional<UsableMemory>& best) {
  while (true) {
    const fs::path dir = root / fs::path(group).relative_path();
    const auto limit = number_in(dir / limit_file);
    // cgroup v1 writes "no limit" as a number near 2^63.
    if (limit && *limit < (int64_t{1} << 60))
      keep_smaller(best,
                   *limit - number_in(dir / usage_file).value_or(0) + stat_value(dir / "memory.stat", inactive_cache),
                   std::string("cgroup ") + limit_file + " of " + (group.empty() ? "/" : group));
    if (group.empty() || group == "/") return;
    group = fs::path(group).parent_path().string();
  }
}

std::optional<int64_t> mem_available() {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("MemAvailable:")) {
      std::istringstream fields(line.substr(13));
      int64_t kib = 0;
      if (fields >> kib) return kib * 1024;
    }
  return std::nullopt;
}

}  // namespace

std::optional<UsableMemory> usable_memory() {
  std::optional<UsableMemory> best;
  if (const auto available = mem_available()) keep_smaller(best, *available, "MemAvailable");
  // /proc/self/cgroup: "0::/path" (v2) or "N:memory:/path" (v1), one line per hierarchy.
  std::ifstream cgroups("/proc/self/cgroup");
  std::string line;
  while (std::getline(cgroups, line)) {
    const size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1), group = line.substr(second + 1);
    if (controllers.empty())
      cgroup_limits("/sys/fs/cgroup", group, "memory.max", "memory.current", "inactive_file", best);
    else if (("," + controllers + ",").find(",memory,") != std::string::npos)
      cgroup_limits("/sys/fs/cgroup/memory", group, "memory.limit_in_bytes", "memory.usage_in_bytes",
                    "total_inactive_file", best);
  }
  return best;
}

}  // namespace expt
