#pragma once
// Host memory the network owns: allocated once and touched at build (docs/onednn-notes.md §6:
// first-touch page faults cost hundreds of ms inside a step).
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace expt::onednn {

// Zero-filled, page-aligned bytes.
class Buffer {
 public:
  // How the pages come in: mapped and touched now, in parallel (what a step's buffers need), or
  // left to the first write (what only a rare call writes: they cost no resident memory before).
  enum class Pages { touched, on_first_write };
  Buffer() = default;
  explicit Buffer(size_t bytes, Pages pages = Pages::touched);
  void* data() const { return data_.get(); }
  bool on_first_write() const { return data_.get_deleter().mapped > 0; }
  float* floats() const { return static_cast<float*>(data_.get()); }
  size_t bytes() const { return bytes_; }
  void zero();  // in parallel, as at allocation

 private:
  struct Free {
    size_t mapped;  // bytes mapped with mmap (on_first_write); 0 (value-initialised): from aligned_alloc
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> data_;
  size_t bytes_ = 0;
};

// Named buffers shared by the passes built for different batch sizes: a pass for a smaller
// batch reuses the slot the largest batch sized. A slot that is too small gets a new buffer;
// the old one stays alive for the memories that already point at it.
class BufferPool {
 public:
  void* acquire(const std::string& slot, size_t bytes, Buffer::Pages pages = Buffer::Pages::touched);
  // What the buffers take; on_first_write ones are left out: a training step never writes them.
  int64_t bytes() const;

 private:
  std::map<std::string, Buffer*> slots_;
  std::vector<std::unique_ptr<Buffer>> owned_;
};

}  // namespace expt::onednn
