#pragma once
// Marks a function that CUDA kernels call as well as host code: the CPU backends and the cudnn
// backend's kernels then share one definition of a formula.
#if defined(__CUDACC__)
#define EXPT_HOST_DEVICE __host__ __device__
#else
#define EXPT_HOST_DEVICE
#endif
