#pragma once
// A player's session as the origin sees it, opened by a new CMCD `sid` and
// kept without any client code: each media segment request reports the
// previous request's download to the session's controller and asks it for
// the next rung, which the response carries as CMSD `mb`. Sessions are kept
// by `sid` in an `OriginSessionStore` (idle TTL, at most N).
// Docs: docs/serve.md#cmcd-in-cmsd-out.

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

/// One media segment request of a session, as the origin read it.
struct MediaRequest {
  std::size_t segment = 0;           ///< segment index in the title
  std::size_t rung = 0;              ///< rung requested (from CMCD `br`, else the file's size)
  std::uint64_t size_bytes = 0;      ///< body bytes the response sends
  double now_s = 0;                  ///< service clock when the request arrived
  std::optional<double> buffer_s;    ///< CMCD `bl`
  std::optional<double> mtp_bps;     ///< CMCD `mtp`
  bool starved = false;              ///< CMCD `bs`
};

/// What the session answers a media request with.
struct MediaAdvice {
  std::optional<std::size_t> next_rung;  ///< the controller's rung for the next segment (none after the last)
  double estimate_bps = 0;               ///< the controller's throughput estimate (0: none yet)
  std::uint64_t request_id = 0;          ///< pass to `sent()` when the response is written
  std::string error;                     ///< a check refused a report or state: what (the response is still served)
  bool decided = false;                  ///< the controller was asked (for the decisions metrics)
};

/// A CMCD session: its title, its checked controller and the request in
/// flight. Thread-safe (one lock per session).
class OriginSession {
 public:
  /// `controller` must be checked against `manifest`; `now_s` is the
  /// session's clock origin (its reports' times count from there).
  OriginSession(std::string title, std::shared_ptr<const Manifest> manifest,
                std::unique_ptr<AbrController> controller, double now_s);

  /// Handles one media request: when the previous one was sent in full,
  /// reports it (size, rung, segment; download time = the longer of the
  /// service-side send time and the time `mtp` implies for its size), asks
  /// the controller for the segment after `request.segment` (buffer from
  /// `bl`, last rung = the requested one), and keeps this request as the
  /// one in flight. Never throws on what a player sends: a refused report
  /// or state is returned in `error`.
  MediaAdvice on_request(const MediaRequest& request);

  /// The request `request_id` was written in full at `now_s` (service
  /// clock). A later request id, or a failed send, is ignored.
  void sent(std::uint64_t request_id, double now_s);

  /// The title the session plays.
  [[nodiscard]] const std::string& title() const noexcept { return title_; }
  /// The manifest of that title.
  [[nodiscard]] const Manifest& manifest() const noexcept { return *manifest_; }
  /// The controller's registry name.
  [[nodiscard]] std::string controller_name() const;

  std::atomic<double> last_used_s{0};  ///< service clock at the last request

 private:
  struct InFlight {
    std::uint64_t id = 0;
    std::size_t segment = 0;
    std::size_t rung = 0;
    std::uint64_t size_bytes = 0;
    double start_s = 0;
    std::optional<double> end_s;
  };
  mutable std::mutex mutex_;
  std::string title_;
  std::shared_ptr<const Manifest> manifest_;
  std::unique_ptr<AbrController> controller_;
  double origin_s_;
  std::uint64_t next_id_ = 1;
  std::optional<InFlight> in_flight_;
};

/// The CMCD sessions by `sid` (idle TTL, at most N; `put` replaces a
/// session of another title).
using OriginSessionStore = IdleMap<OriginSession>;

}  // namespace streamopt::serve
