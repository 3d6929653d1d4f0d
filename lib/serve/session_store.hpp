#pragma once
// The service's sessions: one checked controller each behind its own lock,
// found by an unguessable id, ended by DELETE or after an idle TTL, at most
// `max_sessions` at once.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "streamopt/abr.hpp"
#include "streamopt/manifest.hpp"

namespace streamopt::serve {

/// One player's session. `controller` is used only under `mutex`; the rest
/// is fixed at creation (`last_used_s` is atomic).
struct Session {
  std::mutex mutex;                                ///< serialises the session's requests
  std::unique_ptr<AbrController> controller;       ///< checked controller (guarded by `mutex`)
  std::shared_ptr<const Manifest> manifest;        ///< the title it plays
  std::atomic<std::uint64_t>* decisions_total;     ///< its controller's decisions counter
  std::atomic<double> last_used_s{0};              ///< service clock at the last request
};

/// The open sessions. Thread-safe: lookups share a reader lock, so requests
/// on different sessions only meet there.
class SessionStore {
 public:
  /// At most `max_sessions` open; idle longer than `ttl_s` expires; ids are
  /// derived from `id_seed` (0: from std::random_device).
  SessionStore(std::size_t max_sessions, double ttl_s, std::uint64_t id_seed);

  /// What `add` did besides adding.
  struct AddOutcome {
    std::size_t expired = 0;   ///< idle sessions it ended to make room
    double retry_after_s = 0;  ///< when full: seconds until the next session would expire idle (>= 1)
  };
  /// Adds `session` used at `now_s` and returns its id (32 hex digits). When
  /// the store is full it first expires idle sessions; when still full it
  /// returns nullopt (see `outcome.retry_after_s`).
  std::optional<std::string> add(std::shared_ptr<Session> session, double now_s, AddOutcome& outcome);

  /// The session `id`, marked used at `now_s`; nullptr when there is none.
  [[nodiscard]] std::shared_ptr<Session> find(std::string_view id, double now_s) const;

  /// Ends session `id`; false when there is none. A request already holding
  /// the session finishes on it.
  bool remove(std::string_view id);

  /// Ends the sessions unused for longer than the TTL at `now_s`; returns
  /// how many.
  std::size_t expire(double now_s);

  /// Sessions open now.
  [[nodiscard]] std::size_t size() const;

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::size_t expire_locked(double now_s, double& next_expiry_s);
  std::string next_id();

  std::size_t max_sessions_;
  double ttl_s_;
  std::uint64_t id_seed_;
  std::atomic<std::uint64_t> id_counter_{0};
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Session>, Hash, std::equal_to<>> sessions_;
};

}  // namespace streamopt::serve
