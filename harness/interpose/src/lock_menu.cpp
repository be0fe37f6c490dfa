#include "lock_menu.hpp"

#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

#include "mcs_nodes.hpp"
#include "mutex_impl.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/type_list.hpp"

namespace synclab::interpose {
namespace {

template <class L, bool InPlace>
struct CatalogueAdapter {
  static constexpr bool kInPlace = InPlace;
  static constexpr std::size_t block_bytes() noexcept { return sizeof(L) < 128 ? 128 : sizeof(L); }
  static void construct(void* p) noexcept { new (p) L; }
  static void destruct(void* p) noexcept { static_cast<L*>(p)->~L(); }
  static void lock(void* p, MutexWords*) noexcept { static_cast<L*>(p)->lock(); }
  static bool try_lock(void* p, MutexWords*) noexcept { return static_cast<L*>(p)->try_lock(); }
  static void unlock(void* p, MutexWords*) noexcept { static_cast<L*>(p)->unlock(); }
};

template <class L>
constexpr bool fits_in_mutex = sizeof(L) <= 16 && alignof(L) <= 8;

// An unlocked lock is all zeros: bytes its constructor writes are 0, built
// over zeros and over ones alike (bytes it leaves alone are padding).
template <class L>
bool zero_is_unlocked() {
  alignas(L) unsigned char zeros[sizeof(L)];
  alignas(L) unsigned char ones[sizeof(L)];
  std::memset(zeros, 0x00, sizeof zeros);
  std::memset(ones, 0xff, sizeof ones);
  auto* a = new (zeros) L;
  auto* b = new (ones) L;
  bool zero = true;
  for (std::size_t i = 0; i < sizeof(L); ++i)
    if (zeros[i] == ones[i] && zeros[i] != 0) zero = false;
  a->~L();
  b->~L();
  return zero;
}

template <class T>
struct IsThreadLocalNode : std::false_type {};
template <class Inner>
struct IsThreadLocalNode<locks::WithThreadLocalNode<Inner>> : std::true_type {
  using inner = Inner;
};

template <class T>
struct IsAnderson : std::false_type {};
template <std::uint32_t C>
struct IsAnderson<locks::Anderson<C>> : std::true_type {};

template <class L>
constexpr bool is_sweep_point = [] {
  if constexpr (requires { L::sweep_point; }) return static_cast<bool>(L::sweep_point);
  return false;
}();

template <class A>
const MutexOps* ops_of(const char* name) {
  static const MutexOps ops = MutexImpl<A>::ops(name);
  return &ops;
}

std::string bytes_text(std::size_t bytes) {
  if (bytes >= 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

template <class L>
MenuEntry entry() {
  static const std::string name(L::name);
  MenuEntry e{name, false, {}, is_sweep_point<L>, nullptr};
  if constexpr (requires { L::max_threads; }) {
    e.note = "it supports at most " + std::to_string(L::max_threads) +
             " threads; a program may create any number";
  } else if constexpr (IsThreadLocalNode<L>::value) {
    if constexpr (std::is_same_v<typename IsThreadLocalNode<L>::inner, locks::Mcs>) {
      e.allowed = true;
      e.note = "in the mutex (tail and holder's node); queue nodes from per-thread pools of the interposer";
      e.ops = ops_of<McsAdapter>(name.c_str());
    } else {
      e.note = "its queue elements are allocated and freed with operator new and delete inside its constructor, "
               "lock() and try_lock(): inside pthread_mutex_lock an allocator that locks pthread mutexes would "
               "re-enter the interposer, and elements a failed try_lock abandons are freed only by the lock's "
               "destructor, which a program freeing a mutex without pthread_mutex_destroy never runs";
    }
  } else if constexpr (IsAnderson<L>::value) {
    constexpr std::size_t block = 128 * (2 + L::capacity);
    e.note = "its constructor allocates a " + bytes_text(block) +
             " slot array with the program's allocator, one per pthread mutex (10,000 mutexes: " +
             std::to_string(block * 10'000 / 1'000'000) +
             " MB), and for a statically initialised mutex that happens inside pthread_mutex_lock, where an "
             "allocator that locks pthread mutexes would re-enter the interposer";
  } else {
    e.allowed = true;
    if constexpr (fits_in_mutex<L>) {
      if (zero_is_unlocked<L>()) {
        e.note = "in the mutex (" + bytes_text(sizeof(L)) + ")";
        e.ops = ops_of<CatalogueAdapter<L, true>>(name.c_str());
        return e;
      }
    }
    e.note = "in a block beside the mutex (" + bytes_text(sizeof(L)) + "), created on first use";
    e.ops = ops_of<CatalogueAdapter<L, false>>(name.c_str());
  }
  return e;
}

// A plugin's table, for the adapters below (set once, before any mutex uses it).
const synclab_lock_plugin* g_plugin = nullptr;

template <bool InPlace>
struct PluginAdapter {
  static constexpr bool kInPlace = InPlace;
  static std::size_t block_bytes() noexcept { return g_plugin->size < 128 ? 128 : g_plugin->size; }
  static void construct(void* p) noexcept { g_plugin->init(p); }
  static void destruct(void* p) noexcept { g_plugin->destroy(p); }
  static void lock(void* p, MutexWords*) noexcept { g_plugin->lock(p); }
  static bool try_lock(void* p, MutexWords*) noexcept { return g_plugin->trylock(p) != 0; }
  static void unlock(void* p, MutexWords*) noexcept { g_plugin->unlock(p); }
};

}  // namespace

const std::vector<MenuEntry>& lock_menu() {
  static const std::vector<MenuEntry> menu = [] {
    std::vector<MenuEntry> m;
    static const MutexOps system = GlibcMutex::ops();
    m.push_back(MenuEntry{kSystemMutex, true, "glibc's own mutex and condition variable, passed through", false,
                          &system});
    for_each_type(locks::OurLocks{}, [&]<class L>() { m.push_back(entry<L>()); });
    return m;
  }();
  return menu;
}

const MutexOps* plugin_ops(const LoadedPlugin& plugin) {
  if (!plugin.has(SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK))
    throw PluginError("lock plugin " + plugin.path + ": refused: its flags lack SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK, "
                      "and pthread allows a mutex to be destroyed and freed right after its last unlock");
  g_plugin = plugin.table;
  static std::string name;
  name = plugin.table->name;
  const bool in_place = plugin.has(SYNCLAB_LOCK_ZERO_IS_UNLOCKED) && plugin.table->size <= 16 && plugin.table->align <= 8;
  static MutexOps ops{};
  ops = in_place ? MutexImpl<PluginAdapter<true>>::ops(name.c_str()) : MutexImpl<PluginAdapter<false>>::ops(name.c_str());
  return &ops;
}

}  // namespace synclab::interpose
