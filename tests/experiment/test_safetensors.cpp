#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/safetensors.hpp"

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
  } catch (const ReadError& e) {
    CHECK(std::string(e.what()).find(path.string()) != std::string::npos);
  }
  CHECK_THROWS_AS(safetensors::read(dir / "missing.safetensors"), ReadError);
  std::filesystem::remove_all(dir);
}

namespace {

std::span<const std::byte> as_bytes(const std::string& text) { return std::as_bytes(std::span(text.data(), text.size())); }

// A file of one 2-float tensor "w" under the given JSON header entries besides "w".
std::string file_with_header(const std::string& more) {
  std::string header = R"({)" + more + R"("w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  while (header.size() % 8) header.push_back(' ');
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return bytes + header + std::string(8, '\1');
}

}  // namespace

TEST_CASE("safetensors: scrambled tensor bytes are a ReadError naming the tensor") {
  safetensors::File f;
  f.tensors["a.weight"] = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  f.tensors["a.bias"] = floats({2}, {-1, 0.5});
  std::vector<std::byte> bytes = safetensors::serialize(f);
  bytes.back() ^= std::byte{0x40};  // the last byte of a.weight (tensors are stored in name order)
  CHECK_THROWS_WITH_AS(safetensors::parse(bytes, "x.safetensors"),
                       doctest::Contains("x.safetensors: tensor 'a.weight' is corrupt"), ReadError);
}

TEST_CASE("safetensors: files without checksums (other tools) are read; their checksums are not metadata") {
  const safetensors::File plain = safetensors::parse(as_bytes(file_with_header("")), "plain");
  CHECK(plain.tensors.at("w").data.size() == 8);
  safetensors::File f;
  f.metadata.emplace("step", "3");
  f.tensors["w"] = floats({1}, {2});
  CHECK(safetensors::parse(safetensors::serialize(f), "round trip").metadata == f.metadata);
}

TEST_CASE("safetensors: malformed headers are ReadErrors naming what is wrong") {
  const auto error_for = [](const std::string& more) {
    try {
      safetensors::parse(as_bytes(file_with_header(more)), "bad.safetensors");
    } catch (const ReadError& e) {
      return std::string(e.what());
    }
    return std::string("no ReadError");
  };
  CHECK(error_for(R"("__metadata__":{"step":7},)") ==
        "cannot read checkpoint bad.safetensors: metadata 'step' is number, not a string");
  CHECK(error_for(R"("__metadata__":[1],)") == "cannot read checkpoint bad.safetensors: __metadata__ is not an object");
  CHECK(error_for(R"("__metadata__":{"crc32.v":"00000000"},)") ==
        "cannot read checkpoint bad.safetensors: metadata has a checksum for a tensor 'v' it does not hold");
  CHECK(error_for(R"("v":{"dtype":"F32","shape":[4294967296,4294967296,1024],"data_offsets":[0,0]},)") ==
        "cannot read checkpoint bad.safetensors: tensor 'v' has 0 bytes but its shape needs more than 2^64");
  CHECK(error_for(R"("v":{"dtype":"F32","shape":[4e44],"data_offsets":[0,0]},)") ==
        "cannot read checkpoint bad.safetensors: tensor 'v': shape is not a list of integers");
  CHECK(error_for(R"("v":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]},)") ==
        "cannot read checkpoint bad.safetensors: tensor 'v': data_offsets is not a list of integers");
  CHECK(error_for(R"("v":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]},)") ==
        "cannot read checkpoint bad.safetensors: tensor 'v' has a negative dimension -1");
}

TEST_CASE("safetensors: read_header gives names, types and shapes, and checks the data's extent") {
  const auto dir = temp_dir("header");
  safetensors::File f;
  f.tensors["a.weight"] = floats({2, 3}, {1, 2, 3, 4, 5, 6});
  f.tensors["a.bias"] = floats({2}, {-1, 0.5});
  safetensors::write(dir / "w.safetensors", f);
  const auto header = safetensors::read_header(dir / "w.safetensors");
  REQUIRE(header.size() == 2);
  CHECK(header.at("a.weight").dtype == "F32");
  CHECK(header.at("a.weight").shape == std::vector<int64_t>{2, 3});
  CHECK(header.at("a.bias").shape == std::vector<int64_t>{2});

  // The last tensor's bytes cut off: the header alone says the file is too short.
  std::filesystem::resize_file(dir / "w.safetensors", std::filesystem::file_size(dir / "w.safetensors") - 4);
  CHECK_THROWS_WITH_AS(safetensors::read_header(dir / "w.safetensors"), doctest::Contains("lies outside the file"),
                       ReadError);
  CHECK_THROWS_WITH_AS(safetensors::read_header(dir / "absent.safetensors"), doctest::Contains("file not found"),
                       ReadError);
  std::filesystem::remove_all(dir);
}
