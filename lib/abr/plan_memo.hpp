#pragma once
// The memo table of the planning controllers' value functions (mpc,
// robust_mpc, stochastic_mpc): one per thread, shared by every session that
// decides on it, so an edge holding thousands of sessions pays for one
// table per worker thread. A stamp per slot marks the search that wrote it,
// so starting a search clears nothing.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace streamopt::abr {

// Slots a thread's table keeps between searches (768 KB); a larger search's
// table is released when it ends.
inline constexpr std::size_t kKeptMemoSlots = std::size_t{1} << 16;

struct PlanMemo {
  std::vector<double> value;
  std::vector<std::uint32_t> stamp;
  std::uint32_t current = 0;

  // Starts a search over `slots` slots.
  void begin(std::size_t slots) {
    if (stamp.size() < slots) {
      value.resize(slots);
      stamp.resize(slots, 0);
    }
    if (++current == 0) {  // wrapped: clear stamps
      std::fill(stamp.begin(), stamp.end(), 0);
      current = 1;
    }
  }

  // True when `slot` was written in this search (its value is in `value`).
  [[nodiscard]] bool has(std::size_t slot) const { return stamp[slot] == current; }

  // Records `v` for `slot` in this search.
  void put(std::size_t slot, double v) {
    stamp[slot] = current;
    value[slot] = v;
  }

  // Ends a search: gives back the memory of an unusually large one.
  void end() {
    if (stamp.size() > kKeptMemoSlots) {
      value = {};
      stamp = {};
      current = 0;
    }
  }
};

// This thread's table.
inline PlanMemo& thread_plan_memo() {
  thread_local PlanMemo table;
  return table;
}

}  // namespace streamopt::abr
