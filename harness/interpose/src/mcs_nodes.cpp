#include "mcs_nodes.hpp"

#include <new>

#include "slab.hpp"

namespace synclab::interpose {
namespace {

constexpr unsigned kPoolSize = 8;

struct NodePool {
  locks::McsNode* free[kPoolSize];
  unsigned count;
};

__attribute__((tls_model("initial-exec"))) thread_local NodePool tls_pool;

}  // namespace

locks::McsNode* take_mcs_node() noexcept {
  NodePool& pool = tls_pool;
  if (pool.count > 0) return pool.free[--pool.count];
  return new (slab_alloc(sizeof(locks::McsNode))) locks::McsNode;
}

void give_mcs_node(locks::McsNode* node) noexcept {
  NodePool& pool = tls_pool;
  if (pool.count < kPoolSize) {
    pool.free[pool.count++] = node;
    return;
  }
  node->~McsNode();
  slab_free(node, sizeof(locks::McsNode));
}

void mcs_nodes_thread_exit() noexcept {
  NodePool& pool = tls_pool;
  while (pool.count > 0) {
    locks::McsNode* node = pool.free[--pool.count];
    node->~McsNode();
    slab_free(node, sizeof(locks::McsNode));
  }
}

}  // namespace synclab::interpose
