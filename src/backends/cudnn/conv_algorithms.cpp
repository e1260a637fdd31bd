#include "backends/cudnn/conv_algorithms.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"

namespace expt::cudnn {

namespace {

// cuDNN returns its results fastest first; failed or oversized ones are skipped. With the
// descriptor set to CUDNN_FMA_MATH cuDNN only reports FMA algorithms (PyTorch asserts the same
// for allow_tf32=False); the check here makes fp32_strict hold even if that ever changed.
template <typename Perf>
const Perf& pick(const Perf* results, int count, const GpuContext& ctx, const char* direction,
                 const std::string& layer) {
  for (int i = 0; i < count; ++i) {
    const Perf& p = results[i];
    if (p.status != CUDNN_STATUS_SUCCESS || p.memory > ctx.workspace_bytes) continue;
    if (!ctx.tf32 && p.mathType != CUDNN_FMA_MATH) continue;
    return p;
  }
  throw BackendError(fmt::format(
      "cudnn backend: layer '{}': cuDNN found no {} convolution algorithm that runs with {} of workspace{} "
      "({} candidates tried)",
      layer, direction, format_bytes(static_cast<int64_t>(ctx.workspace_bytes)), ctx.tf32 ? "" : " in fp32_strict (FMA-only) mode", count));
}

}  // namespace

ConvAlgorithms find_conv_algorithms(const GpuContext& ctx, const ConvSearchTensors& t, const std::string& layer) {
  // Under TF32 cuDNN may use tensor cores on Ampere and later; fp32_strict restricts it to FMA.
  const cudnnMathType_t search_math = ctx.tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  ConvAlgorithms chosen;
  int returned = 0;

  cudnnConvolutionFwdAlgoPerf_t fwd[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  EXPT_CUDNN_CHECK(cudnnSetConvolutionMathType(t.conv, search_math));
  EXPT_CUDNN_CHECK(cudnnFindConvolutionForwardAlgorithmEx(ctx.cudnn, t.x_desc, t.x, t.w_desc, t.w, t.conv, t.y_desc,
                                                          t.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, fwd,
                                                          ctx.workspace, ctx.workspace_bytes));
  const auto& f = pick(fwd, returned, ctx, "forward", layer);
  chosen.forward = f.algo;
  chosen.forward_math = f.mathType;

  cudnnConvolutionBwdDataAlgoPerf_t bwd_data[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  EXPT_CUDNN_CHECK(cudnnSetConvolutionMathType(t.conv, search_math));
  EXPT_CUDNN_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(
      ctx.cudnn, t.w_desc, t.w, t.y_desc, t.dy, t.conv, t.x_desc, t.dx, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
      &returned, bwd_data, ctx.workspace, ctx.workspace_bytes));
  const auto& d = pick(bwd_data, returned, ctx, "backward-data", layer);
  chosen.backward_data = d.algo;
  chosen.backward_data_math = d.mathType;

  chosen.workspace_bytes = std::max(f.memory, d.memory);
  if (!t.dw) return chosen;  // a frozen layer computes no filter gradient

  cudnnConvolutionBwdFilterAlgoPerf_t bwd_filter[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  EXPT_CUDNN_CHECK(cudnnSetConvolutionMathType(t.conv, search_math));
  EXPT_CUDNN_CHECK(cudnnFindConvolutionBackwardFilterAlgorithmEx(
      ctx.cudnn, t.x_desc, t.x, t.y_desc, t.dy, t.conv, t.w_desc, t.dw, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
      &returned, bwd_filter, ctx.workspace, ctx.workspace_bytes));
  const auto& w = pick(bwd_filter, returned, ctx, "backward-filter", layer);
  chosen.backward_filter = w.algo;
  chosen.backward_filter_math = w.mathType;

  chosen.workspace_bytes = std::max(chosen.workspace_bytes, w.memory);
  return chosen;
}

}  // namespace expt::cudnn
