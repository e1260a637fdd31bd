#pragma once
// The arithmetic a network computes in (the config's `precision`). The config parses it, every
// backend decides what it supports, and messages and report.json name it by precision_names.
#include "core/enum_names.hpp"

namespace expt {

enum class Precision {
  fp32,         // fp32 tensors, with the faster algorithms each backend allows (Winograd, TF32)
  bf16,         // bf16 compute, fp32 master weights
  fp16,         // fp16 compute, fp32 master weights
  fp32_strict,  // fp32 without those faster algorithms
  tf32,         // TF32 tensor cores, asked for explicitly
};

inline constexpr EnumName<Precision> precision_names[] = {
    {"fp32", Precision::fp32},
    {"bf16", Precision::bf16},
    {"fp16", Precision::fp16},
    {"fp32_strict", Precision::fp32_strict},
    {"tf32", Precision::tf32},
};

}  // namespace expt
