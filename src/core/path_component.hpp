#pragma once
// Names that become folder names (a run's `name`, a sweep's `name`) and paths read from a
// config. A name must stay one path component inside its parent: `..` or a slash would put the
// run folder elsewhere, and a component over NAME_MAX fails only when the folder is created.
#include <string>
#include <string_view>

namespace expt {

// The longest file name (one path component) Linux file systems take, in bytes.
inline constexpr size_t kMaxFileNameBytes = 255;

// Empty when `name` is a usable folder name: letters, digits, '.', '_' and '-', not `.` or
// `..`, at most kMaxFileNameBytes bytes. Otherwise what is wrong, for an error message.
std::string folder_name_problem(std::string_view name);

// Empty when no component of `path` is longer than kMaxFileNameBytes; otherwise which one is.
std::string path_length_problem(std::string_view path);

}  // namespace expt
