// libFuzzer target: safetensors::parse on arbitrary bytes. An input it accepts must survive a
// round trip through serialize unchanged, checksums included.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "core/error.hpp"
#include "core/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace expt::safetensors;
  File file;
  try {
    file = parse(std::as_bytes(std::span(data, size)), "fuzz input");
  } catch (const expt::Error&) {
    return 0;  // rejected with a named error: fine
  }
  const File again = parse(serialize(file), "serialized fuzz input");
  bool same = again.metadata == file.metadata && again.tensors.size() == file.tensors.size();
  for (const auto& [name, t] : file.tensors) {
    const auto it = again.tensors.find(name);
    same = same && it != again.tensors.end() && it->second.dtype == t.dtype && it->second.shape == t.shape &&
           it->second.data == t.data;
  }
  if (!same) std::abort();
  return 0;
}
