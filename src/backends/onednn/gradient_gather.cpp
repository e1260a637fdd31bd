#include "backends/onednn/gradient_gather.hpp"

namespace expt::onednn {

using dnnl::memory;

GradientGather::GradientGather(const dnnl::engine& engine, const std::vector<memory>& parts, const memory::desc& want,
                               bool may_alias, const Allocate& allocate) {
  if (parts.size() == 1 && may_alias) {
    parts_.push_back(Relayout::consume(engine, parts[0], want, allocate));
    dst_ = parts_[0].dst();
    return;
  }
  if (parts.size() == 1) {
    copy_from_ = parts[0];
    dst_ = memory(want, engine, allocate(want.get_size()));
    copy_.emplace(copy_from_, dst_);
    return;
  }
  std::vector<memory::desc> descs;
  for (size_t k = 0; k < parts.size(); ++k) {
    parts_.push_back(Relayout::consume(engine, parts[k], want, allocate));
    descs.push_back(want);
    sum_args_[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k)] = parts_.back().dst();
  }
  dst_ = memory(want, engine, allocate(want.get_size()));
  sum_args_[DNNL_ARG_DST] = dst_;
  sum_.emplace(dnnl::sum::primitive_desc(want, std::vector<float>(parts.size(), 1.0f), descs, engine));
}

void GradientGather::run(dnnl::stream& stream, Profiler& profiler) const {
  for (const Relayout& part : parts_) part.run(stream, profiler);
  if (copy_)
    profiler.time(profiler.reorders_slot(), Direction::forward, stream, [&] {
      copy_->execute(stream, {{DNNL_ARG_FROM, copy_from_}, {DNNL_ARG_TO, dst_}});
    });
  if (sum_)
    profiler.time(profiler.reorders_slot(), Direction::forward, stream, [&] { sum_->execute(stream, sum_args_); });
}

}  // namespace expt::onednn
