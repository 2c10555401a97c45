// Included by greet.cpp and shebang.cpp; includes its neighbour by the path from the
// script's folder, as examples/common/classifier.hpp does.
#pragma once
#include "inc/punctuation.hpp"

inline const char* greeting() { return "hello" EXCLAMATION; }
