// ember: an eager, define-by-run tensor library with reverse-mode autograd.
// This header is all a user needs; it stays light (no xtensor, xsimd or BLAS headers).
#pragma once

// assert() is visible after LibTorch's umbrella header, and code ported from it uses the
// macro without including <cassert>.
#include <cassert>

#include "ember/autograd.hpp"
#include "ember/creation.hpp"
#include "ember/data.hpp"
#include "ember/dtype.hpp"
#include "ember/enum.hpp"
#include "ember/error.hpp"
#include "ember/expanding_array.hpp"
#include "ember/functions.hpp"
#include "ember/html.hpp"
#include "ember/indexing.hpp"
#include "ember/io.hpp"
#include "ember/linalg.hpp"
#include "ember/memory.hpp"
#include "ember/nn.hpp"
#include "ember/optim.hpp"
#include "ember/ordered_dict.hpp"
#include "ember/options.hpp"
#include "ember/scalar.hpp"
#include "ember/serialize.hpp"
#include "ember/special.hpp"
#include "ember/tensor.hpp"
#include "ember/threads.hpp"
#include "ember/version.hpp"
#include "ember/warning.hpp"
