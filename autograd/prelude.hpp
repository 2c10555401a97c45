// What every op-family file in autograd/ starts with: the recording helper and the
// names its forward / backward pairs are written in (see record.hpp), and `k` for the
// kernels in ops/. Private to those .cpp files; never include it from a header.
#pragma once
#include "autograd/record.hpp"
#include "ember/autograd.hpp"
#include "src/core/tracing.hpp"

namespace ember {
namespace kernels {}

using autograd::Ctx;
using autograd::Grads;
using autograd::needs_grad;
using autograd::record;
using autograd::note_no_grad_view;
using autograd::record_view;
using autograd::save;
using autograd::save_output;
namespace k = kernels;

// Whether a backward lambda may run a fused kernel instead of its composed formula: the
// backward is neither recorded (create_graph, where the composed ops are what the second
// order differentiates) nor traced by the jit (a traced backward must be public ops,
// which the graph replays).
inline bool backward_takes_kernels() { return !is_grad_enabled() && !detail::tracer(); }

}  // namespace ember
