#include "src/plot/output.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "ember/ember.hpp"
#include "src/core/check.hpp"

namespace ember {
namespace plot {

Format format_of(const std::string& path, const char* function) {
  const std::size_t dot = path.rfind('.');
  std::string extension = dot == std::string::npos ? std::string() : path.substr(dot);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".svg") return Format::svg;
  if (extension == ".png") return Format::png;
  throw Error(fmt::format("{}: cannot tell the format of '{}': the name must end in .svg or .png", function, path));
}

std::string svg_document(int width, int height, const std::string& body) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n{2}</svg>\n",
      width, height, body);
}

Tensor to_tensor(const Canvas& canvas) {
  Tensor out = empty({canvas.height(), canvas.width(), 3}, TensorOptions(kUInt8));
  std::memcpy(out.data_ptr<uint8_t>(), canvas.pixels().data(), canvas.pixels().size());
  return out;
}

void write_file(const std::string& path, const std::string& bytes, const char* function) {
  std::ofstream file(path, std::ios::binary);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) throw Error(fmt::format("{}: could not write '{}'", function, path));
}

}  // namespace plot
}  // namespace ember
