// The allocator interface's checks and the helpers every allocator shares.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "alloc/builtin.hpp"
#include "streamopt/error.hpp"
#include "streamopt/manifest.hpp"

namespace streamopt {

namespace {

void check_session(const EdgeSession& s, std::size_t index) {
  const auto fail = [index](const std::string& what) {
    throw Error(fmt::format("allocator: session {}: {}", index, what));
  };
  if (s.bitrates_bps.empty()) fail("bitrates_bps is empty");
  if (s.bitrates_bps.size() > kMaxRungs) fail(fmt::format("{} rungs; at most {}", s.bitrates_bps.size(), kMaxRungs));
  for (std::size_t r = 0; r < s.bitrates_bps.size(); ++r) {
    const double b = s.bitrates_bps[r];
    if (!std::isfinite(b) || b <= 0 || b > kMaxBitrateBps) fail(fmt::format("bitrates_bps[{}] = {} is not in (0, 1e12]", r, b));
    if (r > 0 && b <= s.bitrates_bps[r - 1]) fail(fmt::format("bitrates_bps[{}] = {} is not above the rung below", r, b));
  }
  if (!s.utilities.empty()) {
    if (s.utilities.size() != s.bitrates_bps.size()) {
      fail(fmt::format("utilities has {} entries for {} rungs", s.utilities.size(), s.bitrates_bps.size()));
    }
    for (std::size_t r = 0; r < s.utilities.size(); ++r) {
      if (!std::isfinite(s.utilities[r]) || std::abs(s.utilities[r]) > kMaxQualityMagnitude) {
        fail(fmt::format("utilities[{}] = {} is not finite or too large", r, s.utilities[r]));
      }
      if (r > 0 && s.utilities[r] < s.utilities[r - 1]) fail(fmt::format("utilities[{}] falls below the rung below", r));
    }
  }
  if (s.max_rung != kNoRung && s.max_rung >= s.bitrates_bps.size()) {
    fail(fmt::format("max_rung {} is outside the {}-rung ladder", s.max_rung, s.bitrates_bps.size()));
  }
  if (s.rung != kNoRung && s.rung >= s.bitrates_bps.size()) {
    fail(fmt::format("rung {} is outside the {}-rung ladder", s.rung, s.bitrates_bps.size()));
  }
  if (!std::isfinite(s.buffer_s) || s.buffer_s < 0) fail(fmt::format("buffer_s = {} is not finite and >= 0", s.buffer_s));
  if (!std::isfinite(s.throughput_bps) || s.throughput_bps < 0 || s.throughput_bps > 1e12) {
    fail(fmt::format("throughput_bps = {} is not in [0, 1e12]", s.throughput_bps));
  }
  if (!std::isfinite(s.weight) || s.weight <= 0 || s.weight > 1e6) fail(fmt::format("weight = {} is not in (0, 1e6]", s.weight));
}

}  // namespace

void BandwidthAllocator::allocate(double capacity_bps, std::span<const EdgeSession> sessions,
                                  std::span<EdgeAllocation> out) {
  if (!std::isfinite(capacity_bps) || capacity_bps < 0) {
    throw Error(fmt::format("allocator {}: capacity_bps = {} is not finite and >= 0", name(), capacity_bps));
  }
  if (sessions.size() > kMaxAllocatorSessions) {
    throw Error(fmt::format("allocator {}: {} sessions; at most {}", name(), sessions.size(), kMaxAllocatorSessions));
  }
  if (out.size() != sessions.size()) {
    throw Error(fmt::format("allocator {}: {} outputs for {} sessions", name(), out.size(), sessions.size()));
  }
  for (std::size_t i = 0; i < sessions.size(); ++i) check_session(sessions[i], i);
  do_allocate(capacity_bps, sessions, out);
}

std::size_t top_usable_rung(const EdgeSession& session) {
  const std::size_t top = session.bitrates_bps.empty() ? 0 : session.bitrates_bps.size() - 1;
  return session.max_rung == kNoRung ? top : std::min(session.max_rung, top);
}

double session_utility(const EdgeSession& session, std::size_t rung) {
  return session.utilities.empty() ? session.bitrates_bps[rung] / 1e6 : session.utilities[rung];
}

std::size_t rung_under_cap(std::span<const double> bitrates_bps, double cap_bps) {
  const auto it = std::upper_bound(bitrates_bps.begin(), bitrates_bps.end(), cap_bps);
  return it == bitrates_bps.begin() ? 0 : static_cast<std::size_t>(it - bitrates_bps.begin()) - 1;
}

}  // namespace streamopt
