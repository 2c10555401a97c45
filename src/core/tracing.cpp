// The per-thread tracer slot. A tracer follows one thread's ops: other threads running
// ops at the same time are not traced, so a traced function must run on the calling
// thread (ember's own parallel_for workers run kernels, not ops, and are unaffected).
#include "src/core/tracing.hpp"

namespace ember {
namespace detail {

__attribute__((tls_model("initial-exec"))) thread_local OpTracer* t_tracer = nullptr;

OpTracer* current_tracer() { return t_tracer; }
void set_current_tracer(OpTracer* tracer) { t_tracer = tracer; }

}  // namespace detail
}  // namespace ember
