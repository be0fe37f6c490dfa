// plugin_loader.hpp — opens a lock plugin (synclab/harness/lock_plugin.h) and
// checks its table before anything calls it.
//
// Used by the benchmark binary (--synclab_plugin) and by the interposer
// (SYNCLAB_LOCK=path.so). Every problem is one PluginError line naming the
// file: not found, not a shared library of this architecture, no entry point,
// another ABI version, a name, size, alignment or function that is missing or
// out of range. The library stays loaded for the life of the process.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "synclab/harness/lock_plugin.h"

namespace synclab::interpose {

class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedPlugin {
  std::string path;
  const synclab_lock_plugin* table = nullptr;

  [[nodiscard]] std::string_view name() const { return table->name; }
  [[nodiscard]] bool has(std::uint32_t flag) const { return (table->flags & flag) != 0; }
};

// "" when the table may be used, else what is wrong with it.
[[nodiscard]] std::string check_plugin_table(const synclab_lock_plugin* table);

// dlopen()s `path` (RTLD_NOW | RTLD_LOCAL) and checks its table. Throws PluginError.
LoadedPlugin load_lock_plugin(const std::string& path);

// True for text that names a plugin rather than a lock of the catalogue: it
// contains a '/' or ends in ".so".
[[nodiscard]] bool names_a_plugin(std::string_view text);

}  // namespace synclab::interpose
