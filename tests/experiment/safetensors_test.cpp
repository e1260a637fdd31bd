#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "experiment/safetensors.hpp"

using namespace expt;

namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("expt-test-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

safetensors::Tensor floats(std::vector<int64_t> shape, std::vector<float> v) {
  safetensors::Tensor t{"F32", std::move(shape), std::vector<std::byte>(v.size() * 4)};
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

}  // namespace

TEST_CASE("safetensors: header layout follows the format and round-trips") {
  safetensors::File f;
  f.metadata["step"] = "7";
  f.tensors["a.weight"] = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  f.tensors["a.bias"] = floats({2}, {-1, 0.5});
  const auto bytes = safetensors::serialize(f);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  CHECK(n % 8 == 0);                       // data starts 8-byte aligned
  CHECK(bytes.size() == 8 + n + 8 * 4);    // header + 8 floats
  CHECK(static_cast<char>(bytes[8]) == '{');

  const auto dir = temp_dir("st");
  safetensors::write(dir / "x.safetensors", f);
  const auto back = safetensors::read(dir / "x.safetensors");
  CHECK(back.metadata.at("step") == "7");
  REQUIRE(back.tensors.count("a.weight") == 1);
  CHECK(back.tensors.at("a.weight").shape == std::vector<int64_t>{2, 3});
  CHECK(back.tensors.at("a.weight").data == f.tensors["a.weight"].data);
  CHECK(back.tensors.at("a.bias").data == f.tensors["a.bias"].data);
  std::filesystem::remove_all(dir);
}

TEST_CASE("safetensors: a truncated file is an error that names the path") {
  safetensors::File f;
  f.tensors["w"] = floats({4}, {1, 2, 3, 4});
  const auto bytes = safetensors::serialize(f);
  const auto dir = temp_dir("st-trunc");
  const auto path = dir / "cut.safetensors";
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size() - 3));
  }
  try {
    safetensors::read(path);
    FAIL("a truncated file was read");
  } catch (const IoError& e) {
    CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
  }
  CHECK_THROWS_AS(safetensors::read(dir / "missing.safetensors"), IoError);
  std::filesystem::remove_all(dir);
}
