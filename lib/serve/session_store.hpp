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
#include <string>

#include "serve/idle_map.hpp"
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

/// The open sessions (an IdleMap: find, remove, expire, size) and the ids
/// `add` gives them.
class SessionStore : public IdleMap<Session> {
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

 private:
  std::string next_id();

  std::uint64_t id_seed_;
  std::atomic<std::uint64_t> id_counter_{0};
};

}  // namespace streamopt::serve
