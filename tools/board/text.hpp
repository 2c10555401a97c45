// Text helpers of the page writer: HTML and JSON escaping, base64, UTF-8 repair.
#pragma once
#include <string>
#include <string_view>

namespace ember::board {

// Bytes that are not valid UTF-8 become U+FFFD, so that any tag or text can be shown.
std::string valid_utf8(std::string_view bytes);
// &, <, >, " and ' as entities (after valid_utf8).
std::string html_escape(std::string_view text);
// A JSON string literal, also safe inside <script>: "<" and U+2028/9 are escaped.
std::string json_string(std::string_view text);
// A JSON number (NaN and infinities, which JSON lacks, as null).
std::string json_number(double v);
std::string base64(std::string_view bytes);

}  // namespace ember::board
