#include "serve/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace streamopt::serve {

namespace {

constexpr std::array<std::string_view, kErrorKindCount> kErrorKindNames = {
    "bad_json",          "bad_request",            "bad_spec",   "not_found", "method_not_allowed",
    "payload_too_large", "unsupported_media_type", "overloaded", "internal"};

}  // namespace

std::string_view error_kind_name(ErrorKind kind) { return kErrorKindNames[static_cast<std::size_t>(kind)]; }

ServiceMetrics::ServiceMetrics(const std::vector<std::string>& controller_names) {
  for (const std::string& name : controller_names) decisions_.try_emplace(name, 0);
}

std::atomic<std::uint64_t>* ServiceMetrics::decisions_counter(std::string_view controller) {
  const auto it = decisions_.find(controller);
  return it == decisions_.end() ? nullptr : &it->second;
}

void ServiceMetrics::record_decision(std::atomic<std::uint64_t>& counter, double seconds) noexcept {
  counter.fetch_add(1, std::memory_order_relaxed);
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kLatencyBucketsS.begin(), kLatencyBucketsS.end(), seconds) - kLatencyBucketsS.begin());
  latency_buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_ns_.fetch_add(static_cast<std::uint64_t>(std::llround(std::max(0.0, seconds) * 1e9)),
                            std::memory_order_relaxed);
}

void ServiceMetrics::record_error(ErrorKind kind) noexcept {
  errors_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
}

std::string ServiceMetrics::prometheus_text(std::size_t sessions_open,
                                            std::optional<std::size_t> origin_sessions_open) const {
  const auto load = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  std::string out;
  out += "# HELP streamopt_decisions_total Decisions answered, by controller.\n";
  out += "# TYPE streamopt_decisions_total counter\n";
  for (const auto& [name, count] : decisions_) {
    fmt::format_to(std::back_inserter(out), "streamopt_decisions_total{{controller=\"{}\"}} {}\n", name, load(count));
  }
  out += "# HELP streamopt_decision_latency_seconds Time to handle a decide request (parse, decide, format).\n";
  out += "# TYPE streamopt_decision_latency_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < latency_buckets_.size(); ++b) {
    cumulative += load(latency_buckets_[b]);
    const std::string le = b < kLatencyBucketsS.size() ? fmt::format("{:g}", kLatencyBucketsS[b]) : "+Inf";
    fmt::format_to(std::back_inserter(out), "streamopt_decision_latency_seconds_bucket{{le=\"{}\"}} {}\n", le,
                   cumulative);
  }
  fmt::format_to(std::back_inserter(out), "streamopt_decision_latency_seconds_sum {:.9f}\n",
                 static_cast<double>(load(latency_sum_ns_)) * 1e-9);
  fmt::format_to(std::back_inserter(out), "streamopt_decision_latency_seconds_count {}\n", cumulative);
  out += "# HELP streamopt_sessions Sessions open now.\n";
  out += "# TYPE streamopt_sessions gauge\n";
  fmt::format_to(std::back_inserter(out), "streamopt_sessions {}\n", sessions_open);
  out += "# HELP streamopt_sessions_created_total Sessions created.\n";
  out += "# TYPE streamopt_sessions_created_total counter\n";
  fmt::format_to(std::back_inserter(out), "streamopt_sessions_created_total {}\n", load(sessions_created_));
  out += "# HELP streamopt_sessions_expired_total Sessions ended because they were idle past the TTL.\n";
  out += "# TYPE streamopt_sessions_expired_total counter\n";
  fmt::format_to(std::back_inserter(out), "streamopt_sessions_expired_total {}\n", load(sessions_expired_));
  out += "# HELP streamopt_downloads_total Download reports accepted.\n";
  out += "# TYPE streamopt_downloads_total counter\n";
  fmt::format_to(std::back_inserter(out), "streamopt_downloads_total {}\n", load(downloads_));
  out += "# HELP streamopt_errors_total Error responses, by kind.\n";
  out += "# TYPE streamopt_errors_total counter\n";
  for (std::size_t k = 0; k < kErrorKindCount; ++k) {
    fmt::format_to(std::back_inserter(out), "streamopt_errors_total{{kind=\"{}\"}} {}\n", kErrorKindNames[k],
                   load(errors_[k]));
  }
  if (!origin_sessions_open) return out;
  const auto counter = [&out](std::string_view name, std::string_view help, std::uint64_t value) {
    fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} counter\n{0} {2}\n", name, help, value);
  };
  counter("streamopt_origin_requests_total", "Requests under /media/ answered (files, errors, preflights).",
          load(origin_requests_));
  counter("streamopt_origin_bytes_total", "File body bytes answered by the origin.", load(origin_bytes_));
  counter("streamopt_cmcd_requests_total", "Origin requests that carried CMCD (query or headers).",
          load(cmcd_requests_));
  counter("streamopt_cmcd_errors_total", "Origin requests whose CMCD did not parse (served anyway, CMCD ignored).",
          load(cmcd_errors_));
  out += "# HELP streamopt_origin_sessions CMCD sessions open now.\n";
  out += "# TYPE streamopt_origin_sessions gauge\n";
  fmt::format_to(std::back_inserter(out), "streamopt_origin_sessions {}\n", *origin_sessions_open);
  counter("streamopt_origin_sessions_created_total", "CMCD sessions created (one per new sid).",
          load(origin_sessions_created_));
  counter("streamopt_origin_sessions_expired_total", "CMCD sessions ended because they were idle past the TTL.",
          load(origin_sessions_expired_));
  counter("streamopt_origin_session_errors_total", "CMCD session reports or states the checks refused.",
          load(origin_session_errors_));
  counter("streamopt_cmsd_responses_total", "Origin responses that carried CMSD-Dynamic.", load(cmsd_responses_));
  return out;
}

}  // namespace streamopt::serve
