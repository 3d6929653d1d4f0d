#include "serve/fluid_share.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/looped_capacity.hpp"
#include "streamopt/error.hpp"

namespace streamopt::serve {

FluidShare::FluidShare(const NetworkTrace& trace, double start_s) : start_s_(start_s), last_s_(start_s) {
  validate_trace(trace);
  capacity_ = std::make_unique<sim::LoopedCapacity>(trace, 1.0);
  if (!capacity_->has_capacity()) {
    throw Error(fmt::format("--shape {}: the trace carries nothing in a whole pass", trace.name));
  }
}

FluidShare::~FluidShare() = default;

std::uint64_t FluidShare::open() {
  const std::uint64_t id = next_id_++;
  flows_.emplace(id, Flow{});
  return id;
}

void FluidShare::close(std::uint64_t flow) {
  const auto it = flows_.find(flow);
  if (it == flows_.end()) return;
  if (it->second.ask_bytes > 0) --waiting_;
  flows_.erase(it);
}

void FluidShare::want(std::uint64_t flow, std::uint64_t max_bytes) {
  const auto it = flows_.find(flow);
  if (it == flows_.end() || max_bytes == 0) return;
  if (it->second.ask_bytes == 0) ++waiting_;
  it->second.ask_bytes = max_bytes;
}

void FluidShare::skip_idle(double now_s, double grace_s) {
  if (waiting_ == 0) last_s_ = std::max(last_s_, now_s - grace_s);
}

std::vector<FluidShare::Grant> FluidShare::advance(double now_s) {
  std::vector<Grant> grants;
  if (!(now_s > last_s_)) return grants;
  double budget = capacity_->bits_between(last_s_ - start_s_, now_s - start_s_) / 8.0;
  last_s_ = now_s;
  // Water-filling: equal shares, a flow that needs less passes the rest on.
  while (budget > 1e-9) {
    std::size_t hungry = 0;
    for (const auto& [id, f] : flows_) {
      if (f.ask_bytes > 0 && f.credit_bytes < static_cast<double>(f.ask_bytes)) ++hungry;
    }
    if (hungry == 0) break;
    const double share = budget / static_cast<double>(hungry);
    for (auto& [id, f] : flows_) {
      if (f.ask_bytes == 0) continue;
      const double need = static_cast<double>(f.ask_bytes) - f.credit_bytes;
      if (need <= 0) continue;
      const double give = std::min(share, need);
      f.credit_bytes += give;
      budget -= give;
    }
  }
  for (auto& [id, f] : flows_) {
    if (f.ask_bytes == 0) continue;
    const double threshold = static_cast<double>(std::min(f.ask_bytes, kMinGrantBytes));
    // A hair of tolerance: water-filling in doubles may leave 1e-9 short.
    if (f.credit_bytes + 1e-6 < threshold) continue;
    const auto bytes = std::min(f.ask_bytes, static_cast<std::uint64_t>(std::llround(std::floor(f.credit_bytes + 1e-6))));
    if (bytes == 0) continue;
    f.credit_bytes = std::max(0.0, f.credit_bytes - static_cast<double>(bytes));
    f.ask_bytes = 0;
    --waiting_;
    grants.push_back({id, bytes});
  }
  return grants;
}

}  // namespace streamopt::serve
