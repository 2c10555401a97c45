// The backends' factories; each file is compiled only when its library was found.
#pragma once
#include <memory>

#include "src/core/check.hpp"
#include "src/distributed/group_base.hpp"

namespace ember {
namespace distributed {
namespace detail {

struct Rendezvous {
  int rank = -1;
  int world_size = -1;
  std::string init_method;
  std::chrono::milliseconds timeout{};
};

#ifdef EMBER_DISTRIBUTED_GLOO
std::unique_ptr<QueuedGroup> make_gloo_group(const Rendezvous& r);
#endif
#ifdef EMBER_DISTRIBUTED_MPI
std::unique_ptr<QueuedGroup> make_mpi_group(const Rendezvous& r);
#endif

}  // namespace detail
}  // namespace distributed
}  // namespace ember
