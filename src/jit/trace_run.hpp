// What jit::compile needs from a trace beyond jit::trace: the traced run's own results
// (a training step's call must not run twice), and a way to drop the first trace of a
// training step unchecked (an optimizer makes its state on its first step).
#pragma once
#include <vector>

#include "ember/jit.hpp"

namespace ember {
namespace jit {
namespace internal {
// As trace(module or nullptr, fn, example_inputs, options). `results` gets the run's
// outputs once the function returns. With first_of_steps, a function that writes
// state sets *first_of_steps and gets its trace back unchecked, to be thrown away.
TracedFunction trace_run(const nn::Module* module, const Function& fn, const std::vector<Tensor>& example_inputs,
                         const TraceOptions& options, std::vector<Tensor>* results, bool* first_of_steps);
}  // namespace internal
}  // namespace jit
}  // namespace ember
