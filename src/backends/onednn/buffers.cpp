#include "backends/onednn/buffers.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace expt::onednn {

namespace {
constexpr size_t kAlignment = 4096;
}

void Buffer::Free::operator()(void* p) const {
  if (mapped > 0)
    munmap(p, mapped);
  else
    std::free(p);
}

Buffer::Buffer(size_t bytes, Pages pages) : bytes_(bytes) {
  const size_t rounded = std::max((bytes + kAlignment - 1) / kAlignment * kAlignment, kAlignment);
  if (pages == Pages::on_first_write) {
    // Anonymous pages read as zeros and take memory only once written.
    void* p = mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = std::unique_ptr<void, Free>(p, Free{rounded});
    return;
  }
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(p);
  zero();  // parallel first touch, so the pages are mapped before the first step (docs/onednn-notes.md §6)
}

void Buffer::zero() {
  auto* bytes = static_cast<char*>(data_.get());
  const int64_t pages = static_cast<int64_t>((bytes_ + kAlignment - 1) / kAlignment);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < pages; ++i) std::memset(bytes + i * kAlignment, 0, kAlignment);
}

void* BufferPool::acquire(const std::string& slot, size_t bytes, Buffer::Pages pages) {
  auto it = slots_.find(slot);
  if (it != slots_.end() && it->second->bytes() >= bytes) return it->second->data();
  owned_.push_back(std::make_unique<Buffer>(bytes, pages));
  slots_[slot] = owned_.back().get();
  return owned_.back()->data();
}

int64_t BufferPool::bytes() const {
  int64_t total = 0;
  for (const auto& b : owned_)
    if (!b->on_first_write()) total += static_cast<int64_t>(b->bytes());
  return total;
}

}  // namespace expt::onednn
