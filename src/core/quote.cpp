#include "core/quote.hpp"

#include <fmt/format.h>

namespace expt {

namespace {

// The longest prefix of at most `limit` bytes that does not end inside a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, size_t limit) {
  if (text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

std::string escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out;
}

}  // namespace

std::string quote_value(std::string_view value) {
  const std::string_view shown = utf8_prefix(value, kQuotedValueLimit);
  if (shown.size() == value.size()) return fmt::format("'{}'", escaped(value));
  return fmt::format("'{}...' ({} bytes)", escaped(shown), value.size());
}

std::string bounded_value(std::string_view value) {
  const std::string_view shown = utf8_prefix(value, kQuotedValueLimit);
  if (shown.size() == value.size()) return escaped(value);
  return fmt::format("{}... ({} bytes)", escaped(shown), value.size());
}

}  // namespace expt
