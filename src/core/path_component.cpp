#include "core/path_component.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/quote.hpp"

namespace expt {

std::string folder_name_problem(std::string_view name) {
  if (name.empty()) return "the name is empty";
  if (name == "." || name == "..") return fmt::format("{} names a folder that already exists, not a new one", quote_value(name));
  if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.'; }))
    return fmt::format("{}: use letters, digits, '.', '_' and '-'", quote_value(name));
  if (name.size() > kMaxFileNameBytes)
    return fmt::format("{} is longer than the {} bytes a folder name may have", quote_value(name), kMaxFileNameBytes);
  return "";
}

std::string path_length_problem(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string_view component = path.substr(start, end - start);
    if (component.size() > kMaxFileNameBytes)
      return fmt::format("the path component {} is longer than the {} bytes a file name may have", quote_value(component),
                         kMaxFileNameBytes);
    start = end + 1;
  }
  return "";
}

}  // namespace expt
