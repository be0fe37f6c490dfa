// reclaim/hazard_pointer_publication.hpp — read-mostly publication
// (reclaim/concepts.hpp) over our hazard pointers (reclaim/hazard_pointer.hpp).
//
// Algorithm: Michael's hazard pointers (IEEE TPDS 2004, §3), through the
//   P2530 interface. The publication owns a hazard_pointer_domain, so its
//   retired objects are scanned against its own hazards only and every one
//   still waiting is freed in ~HazardPointerPublication (the domain's
//   destructor). A handle owns one hazard_pointer of that domain.
//   read(f):    node* n = hp.protect(current); f(n->value); hp.reset_protection().
//   update(a):  current.exchange(new node(a)); old->retire(delete, domain).
//   quiescent:  nothing (readers mark their read sections with the hazard).
// Guarantees: read is lock-free (protect retries only when an update
//   replaced the object meanwhile); update is lock-free apart from the
//   allocator and its amortised scan, which never waits for a reader. A
//   preempted reader keeps exactly one object alive.
// Memory bound: each thread that updates holds fewer than R = 2·H + 16
//   retired objects (H: handles ever alive at once, one hazard each; see
//   hazard_pointer.hpp), so at most (updating threads) × (R − 1) objects
//   await reclamation, whatever the readers do.
// hazard_pointers_asym (HazardPointerAsymPublication): the same over a domain
//   of the asymmetric fence policy (hazard_pointer.hpp): protect's hazard
//   store is a plain store and a compiler barrier, the reload is acquire, and
//   each scan (one per R retires) pays one membarrier(PRIVATE_EXPEDITED)
//   system call, which interrupts the CPUs running readers. The bound is the
//   same (the policy changes orders only, not what a scan keeps).
//   unavailable(): "" or why membarrier cannot be used here (a
//   ThreadSanitizer build, a kernel or sandbox without it); the benchmark
//   leaves it out then, with the reason under reclaim_primitives_left_out,
//   and the typed tests skip it.
// Memory ordering: the exchange is seq_cst: with protect's seq_cst hazard
//   store and reload and the scan's seq_cst hazard loads it puts the unlink
//   in the single total order the hazard argument uses (hazard_pointer.hpp),
//   and it is acq_rel as well: the new object's construction happens before
//   a reader's protect reads it (acquire), and the old object's
//   construction before the deleter. Readers' protect loads are seq_cst
//   (which includes acquire). hazard_pointers_asym: the same exchange; its
//   readers' acquire reload takes the new object's construction, and the
//   unlink is ordered before the scan's hazard loads by the full barriers of
//   the scan's membarrier (hazard_pointer.hpp, asymmetric policy).
// Layout: the current pointer alone in a 128-byte block; a node is T plus
//   hazard_pointer_obj_base's 24 bytes (object_bytes = sizeof(node)).
// Template parameter Domain: a basic_hazard_pointer_domain (its fence policy
//   gives the name); the broken twin of
//   tests/support/include/synclab/testing/broken_reclaim.hpp derives one
//   whose scan ignores the hazards.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string_view>
#include <utility>

#include "synclab/reclaim/concepts.hpp"
#include "synclab/reclaim/hazard_pointer.hpp"

namespace synclab::reclaim {

template <class T, class Domain = hazard_pointer_domain>
class HazardPointerPublication {
  using hazard_pointer_type = typename Domain::hazard_pointer_type;
  struct node : hazard_pointer_obj_base<node> {
    template <class... Args>
    explicit node(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
  };

 public:
  static constexpr std::string_view name = Domain::fence_policy::publication_name;
  static constexpr std::size_t object_bytes = sizeof(node);
  // "" when it can run here, else why not (reclaim::unavailable).
  static std::string_view unavailable() noexcept { return Domain::fence_policy::unavailable(); }

  template <class... Args>
  explicit HazardPointerPublication(Args&&... args) : current_(new node(std::forward<Args>(args)...)) {}
  HazardPointerPublication(const HazardPointerPublication&) = delete;
  HazardPointerPublication& operator=(const HazardPointerPublication&) = delete;
  // Every handle is gone: the current object is freed here, the retired ones
  // by domain_'s destructor right after.
  ~HazardPointerPublication() { delete current_.load(std::memory_order_relaxed); }

  class handle {
   public:
    explicit handle(HazardPointerPublication& p) : p_(p), hp_(make_hazard_pointer(p.domain_)) {}
    handle(const handle&) = delete;
    handle& operator=(const handle&) = delete;

    template <class F>
    decltype(auto) read(F&& f) {
      struct Reset {
        hazard_pointer_type& hp;
        ~Reset() { hp.reset_protection(); }
      } reset{hp_};
      const node* n = hp_.protect(p_.current_);
      return std::forward<F>(f)(static_cast<const T&>(n->value));
    }

    template <class... Args>
    void update(Args&&... args) {
      node* fresh = new node(std::forward<Args>(args)...);
      node* old = p_.current_.exchange(fresh, std::memory_order_seq_cst);
      old->retire(std::default_delete<node>{}, p_.domain_);
    }

    void quiescent() noexcept {}

   private:
    HazardPointerPublication& p_;
    hazard_pointer_type hp_;
  };

  // Objects retired and not yet freed (a snapshot; for tests).
  std::size_t unreclaimed() const noexcept { return domain_.unreclaimed(); }
  Domain& domain() noexcept { return domain_; }

 private:
  Domain domain_;  // first: destroyed last, after the current object
  alignas(128) std::atomic<node*> current_;
};

template <class T>
using HazardPointerAsymPublication = HazardPointerPublication<T, hazard_pointer_domain_asym>;

static_assert(Publication<HazardPointerPublication<int>, int>);
static_assert(Publication<HazardPointerAsymPublication<int>, int>);

}  // namespace synclab::reclaim
