// plugin_locks.cpp — locks brought in as plugins (--synclab_plugin=PATH,...;
// the C ABI of synclab/harness/lock_plugin.h) run in every lock scenario of
// the locks family, beside the catalogue, under the plugin's own name:
// locks/<plugin name>/<level>/t:N/place:P.
//
// What is measured: the plugin's operations through its function pointers,
// an indirect call into a shared library per lock(), try_lock() and unlock(),
// where a catalogue lock is inlined. The control plugin
// (libsynclab_control_plugin.so, futex_mutex3 behind the ABI as
// futex_mutex3_abi), which run_suite adds whenever a plugin is given, shows
// that cost beside futex_mutex3 itself. The lock's bytes sit inside the
// workload's padded lock slot, as a catalogue lock's do; the table pointer
// beside them is only read.
// A plugin that breaks mutual exclusion fails its cases through the workload's
// own check (the protected count); one that crashes or hangs ends its case's
// process (the watchdog for a hang), and run_suite records the case as failed
// and goes on. A plugin that cannot be loaded, or whose name is taken by a
// lock of the lab or another plugin, is a usage error (exit 2).
#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "families.hpp"
#include "lock_cases.hpp"
#include "synclab/harness/lock_plugin.h"
#include "synclab/interpose/plugin_loader.hpp"
#include "synclab/locks/catalog.hpp"
#include "synclab/peers/lock_peers.hpp"
#include "synclab/type_list.hpp"

namespace synclab::bench {

namespace {

constexpr std::size_t kMaxPlugins = 8;

std::array<const synclab_lock_plugin*, kMaxPlugins> g_tables{};

template <std::size_t Slot>
class PluginLock {
 public:
  static constexpr std::string_view name = "plugin";  // registered under the plugin's own name

  PluginLock() : table_(g_tables[Slot]) { table_->init(bytes_); }
  ~PluginLock() { table_->destroy(bytes_); }
  PluginLock(const PluginLock&) = delete;
  PluginLock& operator=(const PluginLock&) = delete;
  PluginLock(PluginLock&&) = delete;
  PluginLock& operator=(PluginLock&&) = delete;

  void lock() { table_->lock(bytes_); }
  bool try_lock() { return table_->trylock(bytes_) != 0; }
  void unlock() { table_->unlock(bytes_); }

 private:
  const synclab_lock_plugin* table_;
  alignas(SYNCLAB_LOCK_PLUGIN_MAX_ALIGN) unsigned char bytes_[SYNCLAB_LOCK_PLUGIN_MAX_SIZE];
};

static_assert(synclab::TryLockable<PluginLock<0>>);

template <std::size_t Slot>
void register_slot(const FamilyContext& f, const std::string& name) {
  for (const CaseSetup& setup : f.setups) register_lock<PluginLock<Slot>>(f, name, setup);
}

template <std::size_t... Slots>
void register_in_slot(std::size_t slot, const FamilyContext& f, const std::string& name,
                      std::index_sequence<Slots...>) {
  ((slot == Slots ? register_slot<Slots>(f, name) : void()), ...);
}

std::set<std::string> names_of_the_lab() {
  std::set<std::string> names;
  for_each_type(Concat<locks::OurLocks, peers::PeerLocks>{}, [&]<class L>() { names.emplace(L::name); });
  for_each_type(Concat<locks::OurNodeLocks, peers::PeerNodeLocks>{},
                [&]<class L>() { names.emplace(std::string(L::name) + "_node"); });
  return names;
}

}  // namespace

void register_plugin_locks(const FamilyContext& f) {
  if (f.options.plugins.empty()) return;
  if (f.options.plugins.size() > kMaxPlugins)
    throw harness::UsageError("--synclab_plugin: at most " + std::to_string(kMaxPlugins) + " plugins at once");
  std::set<std::string> taken = names_of_the_lab();
  std::string described;
  for (std::size_t slot = 0; slot < f.options.plugins.size(); ++slot) {
    interpose::LoadedPlugin plugin;
    try {
      plugin = interpose::load_lock_plugin(f.options.plugins[slot]);
    } catch (const interpose::PluginError& e) {
      throw harness::UsageError(std::string("--synclab_plugin: ") + e.what());
    }
    const std::string name(plugin.name());
    if (!taken.insert(name).second)
      throw harness::UsageError("--synclab_plugin: lock plugin " + plugin.path + " is named " + name +
                                ", a name already taken by a lock of the lab or another plugin");
    g_tables[slot] = plugin.table;
    register_in_slot(slot, f, name, std::make_index_sequence<kMaxPlugins>{});
    described += (described.empty() ? "" : ", ") + name + "=" + plugin.path;
  }
  benchmark::AddCustomContext("lock_plugins", described);
}

}  // namespace synclab::bench
