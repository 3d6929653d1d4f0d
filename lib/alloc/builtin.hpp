#pragma once
// Factories of the built-in bandwidth allocators, registered in
// lib/builtin.cpp, plus the pieces they share.

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "streamopt/allocator.hpp"
#include "streamopt/options.hpp"

namespace streamopt::alloc {

std::unique_ptr<BandwidthAllocator> make_none(const OptionMap& options);
std::unique_ptr<BandwidthAllocator> make_equal(const OptionMap& options);
std::unique_ptr<BandwidthAllocator> make_proportional(const OptionMap& options);
std::unique_ptr<BandwidthAllocator> make_maxmin(const OptionMap& options);
std::unique_ptr<BandwidthAllocator> make_qoe_fair(const OptionMap& options);
std::unique_ptr<BandwidthAllocator> make_utility(const OptionMap& options);

// The share of the capacity handed out (`headroom`, default 0.9, in (0, 1]):
// the rest absorbs estimation error and the requests' RTTs.
double headroom_option(const OptionMap& options);

// How a continuous-share allocator (equal, proportional, maxmin) splits
// `budget_bps` (headroom x capacity): one share per session into `shares_bps`.
using ShareRule = void (*)(double budget_bps, std::span<const EdgeSession> sessions, std::span<double> shares_bps);

// An allocator named `name` that gives each session its share under `rule`
// as both its cap and its target rate; reads `headroom` from `options`.
std::unique_ptr<BandwidthAllocator> make_share_allocator(std::string name, const OptionMap& options, ShareRule rule);

// Buffer-aware bandwidth a session needs to play `rung` steadily: the
// bitrate, raised while the buffer is under its target so that it refills
// over `refill_s` (the qoe_fair and utility allocators).
struct NeedModel {
  double target_buffer_s = 10.0;  // buffer the session should hold
  double refill_s = 20.0;         // time to refill the missing buffer in
  // Reads `target_buffer_s` and `refill_s`.
  static NeedModel from(const OptionMap& options);
  // Bandwidth for `rung` of `session`, bits per second: the bitrate x factor().
  [[nodiscard]] double need_bps(const EdgeSession& session, std::size_t rung) const {
    return session.bitrates_bps[rung] * factor(session);
  }
  // 1 + the missing buffer / refill_s.
  [[nodiscard]] double factor(const EdgeSession& session) const;
};

// Max-min fair rungs by QoE utility (leximin, greedy): every session starts
// at rung 0; the session of lowest utility (ties: least buffer, then index)
// is raised one rung while its extra need fits in `budget_bps`, otherwise
// it stays where it is and the next lowest is tried. Returns a rung per session.
std::vector<std::size_t> leximin_rungs(std::span<const EdgeSession> sessions, double budget_bps,
                                       const NeedModel& need);

// Writes rung choices: cap = the rung's bitrate, target rate = the rung's need
// scaled so that the rates add up to `capacity_bps` (work-conserving).
void write_rungs(std::span<const EdgeSession> sessions, std::span<const std::size_t> rungs,
                 const NeedModel& need, double capacity_bps, std::span<EdgeAllocation> out);

}  // namespace streamopt::alloc
