#pragma once
// Sessions by key with an idle TTL and a capacity: the one home of expiry for
// the decision service's sessions (SessionStore) and the origin's CMCD
// sessions (OriginSessionStore).

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace streamopt::serve {

/// At most `capacity` values of `T` (which has `std::atomic<double>
/// last_used_s`, service clock seconds) by string key; a value unused for
/// longer than `ttl_s` expires. Thread-safe: lookups share a reader lock.
template <class T>
class IdleMap {
 public:
  /// At most `capacity` entries; idle longer than `ttl_s` expires.
  IdleMap(std::size_t capacity, double ttl_s) : capacity_(capacity), ttl_s_(ttl_s) {}

  /// The TTL in seconds.
  [[nodiscard]] double ttl_s() const { return ttl_s_; }

  /// The value under `key`, marked used at `now_s`; nullptr when there is none.
  [[nodiscard]] std::shared_ptr<T> find(std::string_view key, double now_s) const {
    std::shared_lock lock(mutex_);
    const auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    it->second->last_used_s.store(now_s, std::memory_order_relaxed);
    return it->second;
  }

  /// What `put` did.
  struct PutOutcome {
    bool stored = false;                                           ///< false: full of sessions not yet idle
    std::size_t expired = 0;                                       ///< idle entries it ended to make room
    double next_expiry_s = std::numeric_limits<double>::infinity();  ///< when not stored: seconds until one expires
  };
  /// Stores `value` under `key`, used at `now_s` (replacing the value there);
  /// a new key in a full map first expires idle entries and is refused when
  /// the map is still full.
  PutOutcome put(std::string_view key, std::shared_ptr<T> value, double now_s) {
    value->last_used_s.store(now_s, std::memory_order_relaxed);
    PutOutcome outcome;
    std::shared_ptr<T> replaced;  // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    if (const auto it = map_.find(key); it != map_.end()) {
      replaced = std::exchange(it->second, std::move(value));
      outcome.stored = true;
      return outcome;
    }
    if (map_.size() >= capacity_) outcome.expired = expire_locked(now_s, outcome.next_expiry_s);
    if (map_.size() >= capacity_) return outcome;
    map_.emplace(std::string(key), std::move(value));
    outcome.stored = true;
    return outcome;
  }

  /// Removes `key`; false when there is none. A request already holding the
  /// value finishes on it.
  bool remove(std::string_view key) {
    std::shared_ptr<T> removed;  // destroyed after the lock is released
    std::unique_lock lock(mutex_);
    const auto it = map_.find(key);
    if (it == map_.end()) return false;
    removed = std::move(it->second);
    map_.erase(it);
    return true;
  }

  /// Ends the entries unused for longer than the TTL at `now_s`; returns how many.
  std::size_t expire(double now_s) {
    double next_expiry_s = 0;
    std::unique_lock lock(mutex_);
    return expire_locked(now_s, next_expiry_s);
  }

  /// Entries now.
  [[nodiscard]] std::size_t size() const {
    std::shared_lock lock(mutex_);
    return map_.size();
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };

  std::size_t expire_locked(double now_s, double& next_expiry_s) {
    std::size_t expired = 0;
    for (auto it = map_.begin(); it != map_.end();) {
      const double idle_s = now_s - it->second->last_used_s.load(std::memory_order_relaxed);
      if (idle_s > ttl_s_) {
        it = map_.erase(it);
        ++expired;
      } else {
        next_expiry_s = std::min(next_expiry_s, ttl_s_ - idle_s);
        ++it;
      }
    }
    return expired;
  }

  std::size_t capacity_;
  double ttl_s_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<T>, Hash, std::equal_to<>> map_;
};

}  // namespace streamopt::serve
