#pragma once
// The decision service's counters, gauge and latency histogram, and their
// Prometheus text exposition (docs/serve.md lists every series). Lock-free
// on the request path: every count is an atomic.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt::serve {

/// What went wrong, for `streamopt_errors_total{kind=...}`.
enum class ErrorKind {
  bad_json,                ///< body is not JSON, or not an object
  bad_request,             ///< a field is missing, mistyped or out of range
  bad_spec,                ///< the controller or QoE spec does not build
  not_found,               ///< unknown session or path
  method_not_allowed,      ///< the path exists, the method does not
  payload_too_large,       ///< body over --max-body-bytes
  unsupported_media_type,  ///< a Content-Type that is not JSON
  overloaded,              ///< --max-sessions reached
  internal,                ///< a fault of the service itself
};

/// Number of `ErrorKind` values.
inline constexpr std::size_t kErrorKindCount = 9;

/// The label value of `kind`, e.g. "bad_json".
std::string_view error_kind_name(ErrorKind kind);

/// Upper bounds of the decision latency histogram's buckets, seconds.
inline constexpr std::array<double, 12> kLatencyBucketsS = {5e-6,   1e-5,   2.5e-5, 5e-5, 1e-4,  2.5e-4,
                                                            5e-4,   1e-3,   2.5e-3, 5e-3, 1e-2,  1e-1};

/// The service's metrics. Thread-safe.
class ServiceMetrics {
 public:
  /// One decisions counter per controller name (the registry's names), so
  /// the label's values are bounded and the request path never allocates.
  explicit ServiceMetrics(const std::vector<std::string>& controller_names);

  /// The decisions counter of `controller`; nullptr for a name not given to
  /// the constructor.
  [[nodiscard]] std::atomic<std::uint64_t>* decisions_counter(std::string_view controller);

  /// Counts one decision on `counter` that took `seconds` to handle.
  void record_decision(std::atomic<std::uint64_t>& counter, double seconds) noexcept;
  /// Counts one error response.
  void record_error(ErrorKind kind) noexcept;
  /// Counts one accepted download report.
  void record_download() noexcept { downloads_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts one created session.
  void record_session_created() noexcept { sessions_created_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts `n` sessions ended by expiry.
  void record_sessions_expired(std::size_t n) noexcept { sessions_expired_.fetch_add(n, std::memory_order_relaxed); }

  /// Counts one request under /media/ (errors count in the errors too).
  void record_origin_request() noexcept { origin_requests_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts `body_bytes` of a file body the origin answers with.
  void record_origin_bytes(std::uint64_t body_bytes) noexcept {
    origin_bytes_.fetch_add(body_bytes, std::memory_order_relaxed);
  }
  /// Counts one origin request that carried CMCD; `malformed`: it did not parse.
  void record_cmcd(bool malformed) noexcept {
    cmcd_requests_.fetch_add(1, std::memory_order_relaxed);
    if (malformed) cmcd_errors_.fetch_add(1, std::memory_order_relaxed);
  }
  /// Counts one CMCD session created.
  void record_origin_session_created() noexcept { origin_sessions_created_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts `n` CMCD sessions ended because they were idle past the TTL.
  void record_origin_sessions_expired(std::size_t n) noexcept {
    origin_sessions_expired_.fetch_add(n, std::memory_order_relaxed);
  }
  /// Counts one report or state of a CMCD session that the checks refused.
  void record_origin_session_error() noexcept { origin_session_errors_.fetch_add(1, std::memory_order_relaxed); }
  /// Counts one response that carried CMSD-Dynamic.
  void record_cmsd() noexcept { cmsd_responses_.fetch_add(1, std::memory_order_relaxed); }

  /// The Prometheus text format (version 0.0.4) of every series, with
  /// `sessions_open` as the sessions gauge and, when the service has an
  /// origin, `origin_sessions_open` as the CMCD sessions gauge (the origin
  /// series are left out without one).
  [[nodiscard]] std::string prometheus_text(std::size_t sessions_open,
                                            std::optional<std::size_t> origin_sessions_open = std::nullopt) const;

 private:
  std::map<std::string, std::atomic<std::uint64_t>, std::less<>> decisions_;
  std::array<std::atomic<std::uint64_t>, kLatencyBucketsS.size() + 1> latency_buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> latency_sum_ns_{0};
  std::array<std::atomic<std::uint64_t>, kErrorKindCount> errors_{};
  std::atomic<std::uint64_t> downloads_{0};
  std::atomic<std::uint64_t> sessions_created_{0};
  std::atomic<std::uint64_t> sessions_expired_{0};
  std::atomic<std::uint64_t> origin_requests_{0};
  std::atomic<std::uint64_t> origin_bytes_{0};
  std::atomic<std::uint64_t> cmcd_requests_{0};
  std::atomic<std::uint64_t> cmcd_errors_{0};
  std::atomic<std::uint64_t> origin_sessions_created_{0};
  std::atomic<std::uint64_t> origin_sessions_expired_{0};
  std::atomic<std::uint64_t> origin_session_errors_{0};
  std::atomic<std::uint64_t> cmsd_responses_{0};
};

}  // namespace streamopt::serve
