#pragma once
// How much more memory this process may take before the kernel refuses or kills it: the
// smallest of what its cgroup limits leave (v2 memory.max, v1 memory.limit_in_bytes, on every
// level of the hierarchy) and the machine's MemAvailable.
#include <cstdint>
#include <optional>
#include <string>

namespace expt {

struct UsableMemory {
  int64_t bytes = 0;
  std::string source;  // what set it: "MemAvailable", "cgroup memory.max of /user.slice", ...
};

// nullopt when nothing can be read (no /proc): the caller cannot compare then.
std::optional<UsableMemory> usable_memory();

}  // namespace expt
