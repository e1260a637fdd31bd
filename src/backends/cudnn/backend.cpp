#include <fmt/format.h>

#include "backends/cudnn/network.hpp"
#include "backends/cudnn/device_allocator.hpp"
#include "backends/cudnn/factory.hpp"
#include "backends/cudnn/status_check.hpp"
#include "core/error.hpp"

namespace expt {

namespace {

// Kernels are built for sm_80 and sm_90 plus compute_90 PTX (CMakeLists.txt): anything from
// Ampere on runs them.
constexpr int kOldestComputeMajor = 8;

std::string describe_device(int index, const cudaDeviceProp& p) {
  return fmt::format("{}: {}, compute {}.{}, {}, {} SMs", index, p.name, p.major, p.minor,
                     cudnn::format_bytes(static_cast<int64_t>(p.totalGlobalMem)), p.multiProcessorCount);
}

class CudnnBackend final : public Backend {
 public:
  std::string name() const override { return "cudnn"; }

  int64_t thread_count(int64_t) const override { return 0; }  // the arithmetic runs on the GPU

  std::string device_description(int64_t) const override {
    const std::vector<std::string> devices = list_cuda_devices();
    const size_t v = cudnnGetVersion();
    int runtime = 0;
    cudaRuntimeGetVersion(&runtime);
    return fmt::format("GPU {}{}; cuDNN {}.{}.{}, CUDA runtime {}.{}", devices.empty() ? "none" : devices.front(),
                       devices.size() > 1 ? fmt::format(" (+{} more)", devices.size() - 1) : "", v / 10000,
                       v / 100 % 100, v % 100, runtime / 1000, runtime / 10 % 100);
  }

  std::string unsupported_reason(const LayerSpec&, const NetworkOptions& options) const override {
    const Precision p = options.precision;
    if (p == Precision::bf16 || p == Precision::fp16)
      return fmt::format("{} (mixed precision with fp32 master weights) is not implemented in the cudnn backend yet; "
                         "use fp32 (TF32 tensor cores), tf32 or fp32_strict",
                         name_of(precision_names, p));
    return {};
  }

  std::unique_ptr<Network> build(const NetworkPlan& plan, const NetworkOptions& options) override {
    for (const auto& layer : plan.layers)
      if (auto reason = unsupported_reason(layer.spec, options); !reason.empty())
        throw BackendError(fmt::format("cudnn backend cannot run layer '{}': {}", layer.spec.name, reason));
    int count = 0;
    EXPT_CUDA_CHECK(cudaGetDeviceCount(&count));
    if (options.gpu < 0 || options.gpu >= count)
      throw BackendError(fmt::format("cudnn backend: gpu {} does not exist; this machine has {} CUDA device(s)",
                                     options.gpu, count));
    cudaDeviceProp props{};
    EXPT_CUDA_CHECK(cudaGetDeviceProperties(&props, static_cast<int>(options.gpu)));
    if (props.major < kOldestComputeMajor)
      throw BackendError(fmt::format("cudnn backend: GPU {} has compute capability {}.{}; this build needs {}.0 or newer",
                                     describe_device(static_cast<int>(options.gpu), props), props.major, props.minor,
                                     kOldestComputeMajor));
    return std::make_unique<cudnn::CudnnNetwork>(plan, options, props.name);
  }
};

}  // namespace

std::string cudnn_unavailable_reason() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return fmt::format("no CUDA driver / no GPU found (cudaGetDeviceCount: {})", cudaGetErrorString(status));
  }
  if (count == 0) return "no CUDA GPU found (cudaGetDeviceCount: 0 devices)";
  bool any_recent = false;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) == cudaSuccess && p.major >= kOldestComputeMajor) any_recent = true;
  }
  if (!any_recent)
    return fmt::format("no GPU with compute capability {}.0 or newer (this build's kernels are for sm_80/sm_90)",
                       kOldestComputeMajor);
  // A cuDNN of another major version at run time would misread the structures this code passes.
  const size_t runtime_major = cudnnGetVersion() / 10000;
  if (runtime_major != CUDNN_MAJOR)
    return fmt::format("cuDNN {} is loaded but expt was built against cuDNN {}", runtime_major, CUDNN_MAJOR);
  return {};
}

std::vector<std::string> list_cuda_devices() {
  std::vector<std::string> out;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return out;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) == cudaSuccess) out.push_back(describe_device(i, p));
  }
  return out;
}

std::unique_ptr<Backend> make_cudnn_backend() {
  if (std::string why = cudnn_unavailable_reason(); !why.empty())
    throw BackendError("cudnn backend cannot run here: " + why);
  return std::make_unique<CudnnBackend>();
}

}  // namespace expt
