// PNG encoding (the PNG specification, ISO/IEC 15948 / W3C PNG 2nd edition): the
// signature, then chunks of length, type, data and CRC-32 of type + data: IHDR (size,
// bit depth 8, colour type 0 grey / 2 RGB / 6 RGBA), one IDAT holding the zlib stream
// of the filtered rows, and IEND. Each row is filtered with "Sub" (type 1: each byte
// minus the one a pixel to its left), which compresses plots and image grids with flat
// areas well and costs one pass.
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "ember/ember.hpp"
#include "ember/plot.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace plot {
namespace {

void put_u32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void put_chunk(std::string& out, const char type[4], const std::string& data) {
  put_u32(out, static_cast<uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.append(type, 4);
  out += data;
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + start), static_cast<uInt>(out.size() - start));
  put_u32(out, static_cast<uint32_t>(crc));
}

}  // namespace

std::string encode_png(const Tensor& image) {
  if (!image.defined()) throw Error("encode_png: the image is an undefined tensor");
  if (image.dtype() != kUInt8)
    throw Error(fmt::format("encode_png: expected a uint8 image, got {} of shape {}", image.dtype(),
                            image.sizes()));
  const int64_t dims = image.dim();
  const int64_t channels = dims == 2 ? 1 : (dims == 3 ? image.size(2) : 0);
  if ((dims != 2 && dims != 3) || (channels != 1 && channels != 3 && channels != 4))
    throw Error(fmt::format("encode_png: expected H x W, H x W x 3 or H x W x 4, got shape {}", image.sizes()));
  const int64_t height = image.size(0), width = image.size(1);
  if (height <= 0 || width <= 0 || height > 0x7fffffff || width > 0x7fffffff)
    throw Error(fmt::format("encode_png: an image needs at least one pixel, got shape {}", image.sizes()));
  const Tensor pixels = image.contiguous();
  const uint8_t* src = pixels.data_ptr<uint8_t>();

  const std::size_t row_bytes = static_cast<std::size_t>(width * channels);
  std::vector<uint8_t> filtered((row_bytes + 1) * static_cast<std::size_t>(height));
  for (int64_t y = 0; y < height; ++y) {
    const uint8_t* row = src + static_cast<std::size_t>(y) * row_bytes;
    uint8_t* dst = filtered.data() + static_cast<std::size_t>(y) * (row_bytes + 1);
    dst[0] = 1;  // Sub
    for (std::size_t i = 0; i < row_bytes; ++i)
      dst[1 + i] = static_cast<uint8_t>(row[i] - (i >= static_cast<std::size_t>(channels) ? row[i - channels] : 0));
  }
  uLongf compressed_size = compressBound(static_cast<uLong>(filtered.size()));
  std::string compressed(compressed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size, filtered.data(),
                static_cast<uLong>(filtered.size()), 6) != Z_OK)
    throw Error(fmt::format("encode_png: zlib could not compress an image of shape {}", image.sizes()));
  compressed.resize(compressed_size);

  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  put_u32(header, static_cast<uint32_t>(width));
  put_u32(header, static_cast<uint32_t>(height));
  const char colour_type = channels == 1 ? 0 : (channels == 3 ? 2 : 6);
  header += std::string{'\x08', colour_type, '\0', '\0', '\0'};  // depth 8, deflate, filter set 0, no interlace
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", compressed);
  put_chunk(out, "IEND", "");
  return out;
}

}  // namespace plot
}  // namespace ember
