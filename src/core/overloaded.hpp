#pragma once
// std::visit over a variant with one lambda per alternative: std::visit(overloaded{...}, v).
namespace expt {

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};

}  // namespace expt
