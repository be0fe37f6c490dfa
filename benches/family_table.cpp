// family_table.cpp — the families of synclab_bench and the contention levels
// each one takes (docs/contention.md has the same table, with what each
// level means for each family). Adding a family is its registration file and
// one line here.
#include <array>
#include <string_view>

#include "families.hpp"

namespace synclab::bench {

// Each family's registration, in its own file.
void register_locks(const FamilyContext&);
void register_lock_combine(const FamilyContext&);
void register_lock_test_cases(const FamilyContext&);
void register_plugin_locks(const FamilyContext&);
void register_seqlock(const FamilyContext&);
void register_semaphores(const FamilyContext&);
void register_rwlocks(const FamilyContext&);
void register_condvars(const FamilyContext&);
void register_channels(const FamilyContext&);
void register_limits(const FamilyContext&);
void register_refcount(const FamilyContext&);
void register_reclaim(const FamilyContext&);
void register_padding(const FamilyContext&);
void register_ordering(const FamilyContext&);
void register_litmus(const FamilyContext&);

namespace {

// Locks, semaphores and the sequence lock share the `locks` family.
void register_lock_family(const FamilyContext& f) {
  register_locks(f);
  register_lock_combine(f);
  register_plugin_locks(f);
  register_seqlock(f);
  register_semaphores(f);
  register_lock_test_cases(f);
}

constexpr std::array<std::string_view, 1> kHigh = {"high"};
constexpr std::array<std::string_view, 2> kAloneAndHigh = {"uncontended", "high"};
constexpr std::array<std::string_view, 4> kChannelLevels = {"uncontended", "low", "high", "oversubscribed"};
constexpr std::array<std::string_view, 2> kLowAndHigh = {"low", "high"};

constexpr std::array kFamilies = {
    Family{"locks", {}, true, register_lock_family},  // every level of the model
    Family{"rwlocks", {}, true, register_rwlocks},
    Family{"condvars", kHigh, false, register_condvars},
    Family{"channels", kChannelLevels, false, register_channels},
    Family{"limits", kAloneAndHigh, false, register_limits},
    Family{"refcount", kAloneAndHigh, false, register_refcount},
    Family{"reclaim", kLowAndHigh, false, register_reclaim},  // sweeps only
    Family{"padding", kAloneAndHigh, false, register_padding},
    Family{"ordering", kAloneAndHigh, false, register_ordering},
    Family{"litmus", kHigh, false, register_litmus},
};

}  // namespace

std::span<const Family> all_families() { return kFamilies; }

}  // namespace synclab::bench
