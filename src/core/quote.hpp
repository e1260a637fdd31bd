#pragma once
// Quoting a value inside an error or warning message. A value can be as large as the file it
// came from (a 1 MiB string in a config), so messages show a bounded prefix and say how long
// the whole value is; control characters are shown escaped so one message stays one line.
#include <cstddef>
#include <string>
#include <string_view>

namespace expt {

// The most characters of a value a message repeats.
inline constexpr size_t kQuotedValueLimit = 80;

// "'text'" for a short value; "'first 80 characters...' (1048576 bytes)" for a longer one.
std::string quote_value(std::string_view value);

// The same without the quotes, for values shown bare (numbers): "1.5", "0.00000...(1048576 bytes)".
std::string bounded_value(std::string_view value);

}  // namespace expt
