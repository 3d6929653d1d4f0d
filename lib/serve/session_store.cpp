#include "serve/session_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace streamopt::serve {

namespace {

// SplitMix64's output function: a bijection of 64-bit words, so distinct
// counters give distinct ids.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

SessionStore::SessionStore(std::size_t max_sessions, double ttl_s, std::uint64_t id_seed)
    : max_sessions_(max_sessions), ttl_s_(ttl_s), id_seed_(id_seed != 0 ? id_seed : random_seed()) {}

std::string SessionStore::next_id() {
  const std::uint64_t n = id_counter_.fetch_add(1, std::memory_order_relaxed);
  // The first half is unique per counter; the second makes ids hard to guess.
  return fmt::format("{:016x}{:016x}", mix(id_seed_ + n * 0x9e3779b97f4a7c15ULL), mix(~id_seed_ ^ mix(n)));
}

std::optional<std::string> SessionStore::add(std::shared_ptr<Session> session, double now_s, AddOutcome& outcome) {
  session->last_used_s.store(now_s, std::memory_order_relaxed);
  std::string id = next_id();
  std::unique_lock lock(mutex_);
  if (sessions_.size() >= max_sessions_) {
    double next_expiry_s = std::numeric_limits<double>::infinity();
    outcome.expired = expire_locked(now_s, next_expiry_s);
    if (sessions_.size() >= max_sessions_) {
      outcome.retry_after_s = std::max(1.0, std::ceil(std::min(next_expiry_s, ttl_s_)));
      return std::nullopt;
    }
  }
  sessions_.emplace(id, std::move(session));
  return id;
}

std::shared_ptr<Session> SessionStore::find(std::string_view id, double now_s) const {
  std::shared_lock lock(mutex_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  it->second->last_used_s.store(now_s, std::memory_order_relaxed);
  return it->second;
}

bool SessionStore::remove(std::string_view id) {
  std::shared_ptr<Session> removed;  // destroyed after the lock is released
  std::unique_lock lock(mutex_);
  const auto it = sessions_.find(id);
  if (it == sessions_.end()) return false;
  removed = std::move(it->second);
  sessions_.erase(it);
  return true;
}

std::size_t SessionStore::expire(double now_s) {
  double next_expiry_s = 0;
  std::unique_lock lock(mutex_);
  return expire_locked(now_s, next_expiry_s);
}

std::size_t SessionStore::expire_locked(double now_s, double& next_expiry_s) {
  std::size_t expired = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const double idle_s = now_s - it->second->last_used_s.load(std::memory_order_relaxed);
    if (idle_s > ttl_s_) {
      it = sessions_.erase(it);
      ++expired;
    } else {
      next_expiry_s = std::min(next_expiry_s, ttl_s_ - idle_s);
      ++it;
    }
  }
  return expired;
}

std::size_t SessionStore::size() const {
  std::shared_lock lock(mutex_);
  return sessions_.size();
}

}  // namespace streamopt::serve
