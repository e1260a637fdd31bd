#pragma once
// An enum's names as a table of (name, value) pairs, so that one table serves reading, writing
// and listing the allowed values.
#include <string>
#include <string_view>
#include <vector>

namespace expt {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

// `names` is any range of EnumName<E>: a C array or a span.
template <class Names, class E>
std::string_view name_of(const Names& names, E value) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  return "?";
}

template <class Names>
std::vector<std::string> all_names(const Names& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.emplace_back(n.name);
  return out;
}

}  // namespace expt
