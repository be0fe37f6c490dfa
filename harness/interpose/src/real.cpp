#include "real.hpp"

#include <dlfcn.h>

#include "report.hpp"

namespace synclab::interpose {
namespace {

#if defined(__x86_64__)
constexpr const char* kCondVersion = "GLIBC_2.3.2";
#elif defined(__aarch64__)
constexpr const char* kCondVersion = "GLIBC_2.17";
#else
constexpr const char* kCondVersion = nullptr;  // the default version
#endif

template <class F>
void find(F& slot, const char* name, const char* version = nullptr) noexcept {
  void* p = version != nullptr ? ::dlvsym(RTLD_NEXT, name, version) : ::dlsym(RTLD_NEXT, name);
  if (p == nullptr && version != nullptr) p = ::dlsym(RTLD_NEXT, name);
  if (p == nullptr) fail_usage("the C library has no %s: it cannot be interposed", name);
  slot = reinterpret_cast<F>(p);
}

}  // namespace

void resolve_real(RealPthread& r) noexcept {
  find(r.mutex_init, "pthread_mutex_init");
  find(r.mutex_destroy, "pthread_mutex_destroy");
  find(r.mutex_lock, "pthread_mutex_lock");
  find(r.mutex_trylock, "pthread_mutex_trylock");
  find(r.mutex_timedlock, "pthread_mutex_timedlock");
  find(r.mutex_clocklock, "pthread_mutex_clocklock");
  find(r.mutex_unlock, "pthread_mutex_unlock");
  find(r.cond_init, "pthread_cond_init", kCondVersion);
  find(r.cond_destroy, "pthread_cond_destroy", kCondVersion);
  find(r.cond_wait, "pthread_cond_wait", kCondVersion);
  find(r.cond_timedwait, "pthread_cond_timedwait", kCondVersion);
  find(r.cond_clockwait, "pthread_cond_clockwait");
  find(r.cond_signal, "pthread_cond_signal", kCondVersion);
  find(r.cond_broadcast, "pthread_cond_broadcast", kCondVersion);
  find(r.create, "pthread_create");
}

}  // namespace synclab::interpose
