#include "serve/paced_link.hpp"

#include <utility>
#include <vector>

namespace streamopt::serve {

PacedLink::PacedLink(boost::asio::io_context& ioc, const NetworkTrace& trace)
    : epoch_(std::chrono::steady_clock::now()), share_(trace, 0.0), timer_(ioc) {}

double PacedLink::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_).count();
}

std::uint64_t PacedLink::open() {
  const std::lock_guard lock(mutex_);
  return share_.open();
}

void PacedLink::close(std::uint64_t flow) {
  const std::lock_guard lock(mutex_);
  share_.close(flow);
  waiting_.erase(flow);
}

void PacedLink::start() {
  const std::lock_guard lock(mutex_);
  if (started_) return;
  epoch_ = std::chrono::steady_clock::now();
  started_ = true;
}

void PacedLink::request(std::uint64_t flow, std::uint64_t max_bytes, std::function<void(std::uint64_t)> granted) {
  const std::lock_guard lock(mutex_);
  // Capacity of the time nobody waited is lost (an idle link), except the
  // last tick's: a body that was writing its previous grant keeps its pace.
  share_.skip_idle(now_s(), kPacingTickS);
  share_.want(flow, max_bytes);
  waiting_[flow] = std::move(granted);
  arm_locked();
}

void PacedLink::arm_locked() {
  if (armed_ || !share_.waiting()) return;
  armed_ = true;
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(kPacingTickS)));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) {
      const std::lock_guard lock(mutex_);
      armed_ = false;
      return;
    }
    tick();
  });
}

void PacedLink::tick() {
  std::vector<std::pair<std::function<void(std::uint64_t)>, std::uint64_t>> ready;
  {
    const std::lock_guard lock(mutex_);
    armed_ = false;
    for (const FluidShare::Grant& g : share_.advance(now_s())) {
      const auto it = waiting_.find(g.flow);
      if (it == waiting_.end()) continue;
      ready.emplace_back(std::move(it->second), g.bytes);
      waiting_.erase(it);
    }
    arm_locked();
  }
  for (auto& [granted, bytes] : ready) granted(bytes);
}

}  // namespace streamopt::serve
