// The fluid bottleneck of the edge simulator: between two events every rate
// is constant, so each step integrates exactly to the next activation,
// completion or capacity change.
#include <algorithm>
#include <unordered_map>

#include "edge/edge_link.hpp"

namespace streamopt::edge {

namespace {


class FluidLink final : public EdgeLink {
 public:
  explicit FluidLink(const sim::LoopedCapacity& capacity) : capacity_(capacity) {}

  void start(std::size_t id, double bits, double request_s, double rtt_s) override {
    Flow& f = flows_[id];
    f.remaining_bits = bits;
    f.active_from_s = request_s + rtt_s;
    f.busy = true;
  }

  void set_weight(std::size_t id, double weight_bps) override { flows_[id].weight_bps = weight_bps; }

  void forget(std::size_t id) override { flows_.erase(id); }

  double run_until(double limit_s, std::vector<std::size_t>& finished) override {
    for (;;) {
      // Rates of the active flows.
      double positive = 0;
      std::size_t active = 0, weighted = 0;
      double next = std::min(limit_s, capacity_.next_change_s(now_s_));
      for (const auto& [id, f] : flows_) {
        if (!f.busy) continue;
        if (f.active_from_s > now_s_) {
          next = std::min(next, f.active_from_s);
          continue;
        }
        ++active;
        if (f.weight_bps > 0) {
          positive += f.weight_bps;
          ++weighted;
        }
      }
      const double fallback = weighted > 0 ? positive / static_cast<double>(weighted) : 1.0;
      double weights = 0;
      for (const auto& [id, f] : flows_) {
        if (f.busy && f.active_from_s <= now_s_) weights += f.weight_bps > 0 ? f.weight_bps : fallback;
      }
      const double capacity = capacity_.rate_bps(now_s_);
      for (auto& [id, f] : flows_) {
        if (!f.busy || f.active_from_s > now_s_) continue;
        f.rate_bps = active > 0 ? capacity * (f.weight_bps > 0 ? f.weight_bps : fallback) / weights : 0.0;
        if (f.rate_bps > 0) next = std::min(next, now_s_ + f.remaining_bits / f.rate_bps);
      }
      next = std::max(next, now_s_);
      const double dt = next - now_s_;
      for (auto& [id, f] : flows_) {
        if (!f.busy || f.active_from_s > now_s_) continue;
        const double bits = std::min(f.remaining_bits, f.rate_bps * dt);
        f.remaining_bits -= bits;
        delivered_bits_ += bits;
        // Done when nothing (or a rounding residue worth under a nanosecond) is left.
        if (f.remaining_bits <= 1e-6 || (f.rate_bps > 0 && f.remaining_bits / f.rate_bps <= 1e-9)) {
          delivered_bits_ += f.remaining_bits;
          f.remaining_bits = 0;
          f.busy = false;
          finished.push_back(id);
        }
      }
      now_s_ = next;
      if (!finished.empty() || now_s_ >= limit_s) return now_s_;
    }
  }

  [[nodiscard]] double delivered_bits() const override { return delivered_bits_; }

  [[nodiscard]] std::size_t downloads() const override {
    return static_cast<std::size_t>(std::count_if(flows_.begin(), flows_.end(), [](const auto& kv) { return kv.second.busy; }));
  }

 private:
  struct Flow {
    double remaining_bits = 0;
    double active_from_s = 0;
    double weight_bps = 0;
    double rate_bps = 0;
    bool busy = false;
  };
  const sim::LoopedCapacity& capacity_;
  std::unordered_map<std::size_t, Flow> flows_;
  double now_s_ = 0;
  double delivered_bits_ = 0;
};

}  // namespace

std::unique_ptr<EdgeLink> make_fluid_link(const sim::LoopedCapacity& capacity) {
  return std::make_unique<FluidLink>(capacity);
}

}  // namespace streamopt::edge
