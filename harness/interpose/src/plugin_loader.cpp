#include "synclab/interpose/plugin_loader.hpp"

#include <dlfcn.h>

#include <cstring>

namespace synclab::interpose {
namespace {

constexpr std::size_t kMaxName = 48;

bool valid_name(const char* name) {
  if (name == nullptr) return false;
  const std::size_t n = ::strnlen(name, kMaxName + 1);
  if (n == 0 || n > kMaxName || name[0] < 'a' || name[0] > 'z') return false;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::string check_plugin_table(const synclab_lock_plugin* t) {
  if (t == nullptr) return "its entry point returned no table";
  if (t->abi_version != SYNCLAB_LOCK_PLUGIN_ABI_VERSION)
    return "it was built for lock plugin ABI version " + std::to_string(t->abi_version) + ", this lab reads version " +
           std::to_string(SYNCLAB_LOCK_PLUGIN_ABI_VERSION);
  if (!valid_name(t->name)) return "its name is not [a-z][a-z0-9_]* of at most 48 characters";
  if (t->size == 0 || t->size > SYNCLAB_LOCK_PLUGIN_MAX_SIZE)
    return "its size " + std::to_string(t->size) + " is not between 1 and " +
           std::to_string(SYNCLAB_LOCK_PLUGIN_MAX_SIZE) + " bytes";
  if (t->align == 0 || (t->align & (t->align - 1)) != 0 || t->align > SYNCLAB_LOCK_PLUGIN_MAX_ALIGN)
    return "its alignment " + std::to_string(t->align) + " is not a power of two up to " +
           std::to_string(SYNCLAB_LOCK_PLUGIN_MAX_ALIGN);
  const char* missing = t->init == nullptr      ? "init"
                        : t->destroy == nullptr ? "destroy"
                        : t->lock == nullptr    ? "lock"
                        : t->trylock == nullptr ? "trylock"
                        : t->unlock == nullptr  ? "unlock"
                                                : nullptr;
  if (missing != nullptr) return std::string("its ") + missing + " function is missing";
  const std::uint32_t known = SYNCLAB_LOCK_DESTROY_AFTER_UNLOCK | SYNCLAB_LOCK_ZERO_IS_UNLOCKED |
                              SYNCLAB_LOCK_UNLOCK_ANY_THREAD;
  if ((t->flags & ~known) != 0) return "its flags have bits this ABI version does not define";
  return {};
}

LoadedPlugin load_lock_plugin(const std::string& path) {
  const std::string where = "lock plugin " + path + ": ";
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = ::dlerror();
    throw PluginError(where + "cannot be loaded (" + (why != nullptr ? why : "dlopen failed") + ")");
  }
  void* entry = ::dlsym(handle, SYNCLAB_LOCK_PLUGIN_ENTRY);
  if (entry == nullptr)
    throw PluginError(where + "exports no " SYNCLAB_LOCK_PLUGIN_ENTRY
                              "() (see harness/include/synclab/harness/lock_plugin.h)");
  const synclab_lock_plugin* table = reinterpret_cast<synclab_lock_plugin_entry>(entry)();
  if (std::string why = check_plugin_table(table); !why.empty()) throw PluginError(where + why);
  return LoadedPlugin{path, table};
}

bool names_a_plugin(std::string_view text) {
  return text.find('/') != std::string_view::npos ||
         (text.size() > 3 && text.substr(text.size() - 3) == ".so");
}

}  // namespace synclab::interpose
