// The number of threads ember's kernels and OpenBLAS use, together.
#pragma once

namespace ember {

void set_num_threads(int n);
int get_num_threads();

}  // namespace ember
