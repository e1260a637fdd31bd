#pragma once
// std::visit over a variant with one lambda per alternative: std::visit(overloaded{...}, v).
namespace expt {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
// Deduced from the lambdas without this guide only by compilers with C++20's aggregate
// deduction (GCC 11, clang 17); clang 14, which builds the sanitizer and fuzz builds, needs it.
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace expt
