#include "slab.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>

#include "synclab/arch/cpu_relax.hpp"

namespace synclab::interpose {
namespace {

constexpr std::size_t kMinBlock = 64;
constexpr int kClasses = 20;  // 64 B .. 32 MiB
constexpr std::size_t kChunk = std::size_t{1} << 20;

struct FreeBlock {
  FreeBlock* next;
};

// One size class: a free list and the unused tail of its current chunk.
struct SizeClass {
  std::atomic<bool> busy{false};
  FreeBlock* free = nullptr;
  char* tail = nullptr;
  char* end = nullptr;

  void lock() noexcept {
    while (busy.exchange(true, std::memory_order_acquire)) {
      while (busy.load(std::memory_order_relaxed)) cpu_relax();
    }
  }
  void unlock() noexcept { busy.store(false, std::memory_order_release); }
};

SizeClass g_classes[kClasses];

int class_of(std::size_t bytes) noexcept {
  const std::size_t size = std::bit_ceil(bytes < kMinBlock ? kMinBlock : bytes);
  return std::countr_zero(size) - std::countr_zero(kMinBlock);
}

[[noreturn]] void out_of_memory(std::size_t bytes) noexcept {
  static constexpr char kMessage[] = "libsynclab_interpose: error: out of memory (mmap failed)\n";
  (void)bytes;
  (void)!::write(2, kMessage, sizeof kMessage - 1);
  ::_exit(70);
}

void* map(std::size_t bytes) noexcept {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) out_of_memory(bytes);
  return p;
}

}  // namespace

void* slab_alloc(std::size_t bytes) noexcept {
  const int c = class_of(bytes);
  if (c >= kClasses) out_of_memory(bytes);
  const std::size_t size = kMinBlock << c;
  SizeClass& sc = g_classes[c];
  sc.lock();
  void* block = nullptr;
  if (sc.free != nullptr) {
    block = sc.free;
    sc.free = sc.free->next;
  } else {
    if (sc.tail == nullptr || static_cast<std::size_t>(sc.end - sc.tail) < size) {
      const std::size_t chunk = size > kChunk ? size : kChunk;  // mmap aligns to pages
      sc.tail = static_cast<char*>(map(chunk));
      sc.end = sc.tail + chunk;
    }
    block = sc.tail;
    sc.tail += size;
  }
  sc.unlock();
  std::memset(block, 0, size);
  return block;
}

void slab_free(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  SizeClass& sc = g_classes[class_of(bytes)];
  sc.lock();
  auto* f = static_cast<FreeBlock*>(block);
  f->next = sc.free;
  sc.free = f;
  sc.unlock();
}

void slab_atfork_prepare() noexcept {
  for (SizeClass& sc : g_classes) sc.lock();
}

void slab_atfork_release() noexcept {
  for (int c = kClasses; c-- > 0;) g_classes[c].unlock();
}

}  // namespace synclab::interpose
