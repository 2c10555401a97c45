// Turning a painted chart into a file: SVG documents, canvases as uint8 tensors and PNG.
#pragma once
#include <string>

#include "ember/tensor.hpp"
#include "src/plot/painter.hpp"

namespace ember {
namespace plot {

enum class Format { svg, png };
// The format `path`'s extension names (.svg or .png, any case); `function` names the
// caller in the error for anything else.
Format format_of(const std::string& path, const char* function);
// The whole SVG document around painted elements.
std::string svg_document(int width, int height, const std::string& body);
// H x W x 3 uint8.
Tensor to_tensor(const Canvas& canvas);
void write_file(const std::string& path, const std::string& bytes, const char* function);

}  // namespace plot
}  // namespace ember
