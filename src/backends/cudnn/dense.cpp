#include "backends/cudnn/dense.hpp"

#include <limits>

#include <fmt/format.h>

#include "backends/cudnn/kernels.hpp"
#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"

// cuBLAS is column-major. A row-major [rows, cols] matrix is the column-major [cols, rows]
// matrix with the same memory, so with X [n, in], W [out, in], Y [n, out] all row-major:
//   forward        Y  = X W^T        ->  Y^T (out x n)  = W^T (out x in) . X^T (in x n)   gemm(T, N)
//   backward-data  dX = dY W         ->  dX^T (in x n)  = W^T (in x out)  . dY^T (out x n) gemm(N, N)
//   weights        dW = dY^T X       ->  dW^T (in x out) = X^T (in x n)  . dY (n x out)    gemm(N, T)
//   bias           db = dY^T 1       ->  gemv(N) over dY^T (out x n)
namespace expt::cudnn {

namespace {

int as_blas_int(int64_t v, const std::string& layer) {
  if (v > std::numeric_limits<int>::max())
    throw BackendError(fmt::format("cudnn backend: dense layer '{}' dimension {} exceeds cuBLAS's 32-bit sizes", layer, v));
  return static_cast<int>(v);
}

}  // namespace

DenseLayer::DenseLayer(const PlannedLayer& layer, int64_t max_batch, ParamPointers weight,
                       std::optional<ParamPointers> bias, const float* ones, DeviceAllocator& allocator)
    : layer_(layer),
      inputs_(as_blas_int(layer.in.size(), layer.spec.name)),
      units_(as_blas_int(layer.out.size(), layer.spec.name)),
      weight_(weight),
      bias_(bias),
      ones_(ones),
      activation_(layer, max_batch, allocator) {
  set_nchw(bias_desc_.get(), 1, units_, 1, 1);
}

void DenseLayer::describe_batch(int64_t n) {
  if (n == described_n_) return;
  set_nchw(y_desc_.get(), n, units_, 1, 1);
  described_n_ = n;
}

void DenseLayer::forward(const GpuContext& ctx, const ForwardArgs& args) {
  describe_batch(args.n);
  const int n = as_blas_int(args.n, layer_.spec.name);
  const float one = 1.0f, zero = 0.0f;
  EXPT_CUBLAS_CHECK(cublasSgemm(ctx.cublas, CUBLAS_OP_T, CUBLAS_OP_N, units_, n, inputs_, &one, weight_.value, inputs_,
                                args.x, inputs_, &zero, args.y, units_));
  if (bias_) EXPT_CUDNN_CHECK(cudnnAddTensor(ctx.cudnn, &one, bias_desc_.get(), bias_->value, &one, y_desc_.get(), args.y));
  activation_.forward(ctx, args.n, args.y);
}

void DenseLayer::backward_weights(const GpuContext& ctx, const BackwardArgs& args) {
  const int n = as_blas_int(args.n, layer_.spec.name);
  activation_.backward(ctx, args.n, args.y, args.dy);
  if (!weight_.grad) return;  // frozen: backward-data still needs the activation's backward
  const float one = 1.0f, zero = 0.0f;
  EXPT_CUBLAS_CHECK(cublasSgemm(ctx.cublas, CUBLAS_OP_N, CUBLAS_OP_T, inputs_, units_, n, &one, args.x, inputs_, args.dy,
                                units_, &zero, weight_.grad, inputs_));
  if (bias_)
    EXPT_CUBLAS_CHECK(cublasSgemv(ctx.cublas, CUBLAS_OP_N, units_, n, &one, args.dy, units_, ones_, 1, &zero,
                                  bias_->grad, 1));
}

void DenseLayer::backward_data(const GpuContext& ctx, const BackwardArgs& args) {
  const int n = as_blas_int(args.n, layer_.spec.name);
  const float one = 1.0f, zero = 0.0f;
  EXPT_CUBLAS_CHECK(cublasSgemm(ctx.cublas, CUBLAS_OP_N, CUBLAS_OP_N, inputs_, n, units_, &one, weight_.value, inputs_,
                                args.dy, units_, &zero, args.dx, inputs_));
}

}  // namespace expt::cudnn
