#pragma once
// Name tables for enums: the text a config, report or message uses for each value, in one place.
// Parsing reads them, writers write them and the schema lists them as the allowed values.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace expt {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

template <class E, size_t N>
std::string_view name_of(const EnumName<E> (&names)[N], E value) {
  for (const auto& n : names)
    if (n.value == value) return n.name;
  return "?";
}

template <class E, size_t N>
std::vector<std::string> all_names(const EnumName<E> (&names)[N]) {
  std::vector<std::string> out;
  for (const auto& n : names) out.emplace_back(n.name);
  return out;
}

}  // namespace expt
