#pragma once
// What a piece of code writes to stderr (fd 2), for checking warnings.
#include <unistd.h>

#include <cstdio>
#include <string>

template <typename F>
std::string capture_stderr(F&& code) {
  std::fflush(stderr);
  const int saved = ::dup(2);
  std::FILE* captured = std::tmpfile();
  ::dup2(::fileno(captured), 2);
  try {
    code();
  } catch (...) {
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(captured);
    throw;
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::string text;
  std::rewind(captured);
  for (int c; (c = std::fgetc(captured)) != EOF;) text.push_back(static_cast<char>(c));
  std::fclose(captured);
  return text;
}
