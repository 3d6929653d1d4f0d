// Sliding-window aggregates of telemetry events per network group: the
// throughput distribution, rebuffer ratio and QoE a processor exports, and
// the cross-session throughput prior (in the spirit of CS2P).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <utility>

#include "streamopt/error.hpp"
#include "streamopt/stats.hpp"
#include "streamopt/telemetry.hpp"

namespace streamopt {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A Prometheus label value: backslash, double quote and newline escaped.
std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// One exposition-format value (Go's float formatting accepts "+Inf", "NaN",
// and shortest round-trip decimals).
std::string number(double v) { return fmt::format("{}", v); }

}  // namespace

TelemetryWindow::TelemetryWindow(double window_s) : window_s_(window_s) {
  if (!std::isfinite(window_s) || window_s <= 0) {
    throw Error(fmt::format("TelemetryWindow: window_s must be a finite number of seconds above 0 (got {})", window_s));
  }
}

void TelemetryWindow::evict(double horizon_s) {
  for (auto it = groups_.begin(); it != groups_.end();) {
    Samples& samples = it->second;
    while (!samples.empty() && samples.front().time_s <= horizon_s) samples.pop_front();
    // Out-of-order arrivals may leave expired samples behind a newer one;
    // stats() skips them and the per-group cap bounds them.
    if (samples.empty()) {
      it = groups_.erase(it);
    } else {
      ++it;
    }
  }
}

void TelemetryWindow::add(const TelemetryEvent& event) {
  ++events_total_;
  if (event.time_s > latest_s_) {
    latest_s_ = event.time_s;
    // Sweep when the horizon moved by a tenth of the window, not per event.
    if (latest_s_ - swept_s_ >= window_s_ / 10) {
      evict(latest_s_ - window_s_);
      swept_s_ = latest_s_;
    }
  }
  if (event.time_s <= latest_s_ - window_s_) return;  // already outside every window ending at latest
  auto it = groups_.find(event.group);
  if (it == groups_.end()) {
    if (groups_.size() >= kMaxGroups) evict(latest_s_ - window_s_);
    if (groups_.size() >= kMaxGroups) {
      ++overflowed_;
      return;
    }
    it = groups_.emplace(event.group, Samples{}).first;
  }
  Samples& samples = it->second;
  if (samples.size() >= kMaxEventsPerGroup) samples.pop_front();
  samples.push_back(Sample{event.time_s, event.session_id, event.kind, event.throughput_bps, event.stall_s, event.qoe});
}

GroupStats TelemetryWindow::stats(const std::string& group, double now_s) const {
  GroupStats s;
  s.throughput_mean_bps = s.throughput_p10_bps = s.throughput_p50_bps = s.throughput_p90_bps = kNaN;
  s.rebuffer_ratio = kNaN;
  s.qoe_mean = kNaN;
  const auto it = groups_.find(group);
  if (it == groups_.end()) return s;
  const double from_s = now_s - window_s_;
  std::vector<double> throughput;
  std::vector<double> qoe;
  std::map<std::string_view, std::pair<double, double>> span;  // session -> first, last time
  for (const Sample& x : it->second) {
    if (!(x.time_s > from_s && x.time_s <= now_s)) continue;
    ++s.events;
    auto [pos, inserted] = span.try_emplace(x.session_id, x.time_s, x.time_s);
    if (!inserted) {
      pos->second.first = std::min(pos->second.first, x.time_s);
      pos->second.second = std::max(pos->second.second, x.time_s);
    }
    s.stall_s += x.stall_s;
    if (x.kind == TelemetryKind::download) {
      if (x.throughput_bps > 0) throughput.push_back(x.throughput_bps);
      qoe.push_back(x.qoe);
    }
  }
  s.sessions = span.size();
  for (const auto& [session, first_last] : span) s.watch_s += first_last.second - first_last.first;
  // Played time is approximated by the session's event span minus its stalls,
  // so the ratio is stall / (stall + played) = stall / max(span, stall).
  const double denominator = std::max(s.watch_s, s.stall_s);
  if (denominator > 0) s.rebuffer_ratio = s.stall_s / denominator;
  s.throughput_samples = throughput.size();
  if (!throughput.empty()) {
    s.throughput_mean_bps = stats::mean(throughput);
    s.throughput_p10_bps = stats::percentile(throughput, 0.1);
    s.throughput_p50_bps = stats::percentile(throughput, 0.5);
    s.throughput_p90_bps = stats::percentile(std::move(throughput), 0.9);
  }
  s.qoe_samples = qoe.size();
  if (!qoe.empty()) s.qoe_mean = stats::mean(qoe);
  return s;
}

std::vector<std::string> TelemetryWindow::groups() const {
  std::vector<std::string> names;
  names.reserve(groups_.size());
  for (const auto& [name, samples] : groups_) names.push_back(name);
  return names;
}

std::optional<double> TelemetryWindow::prior_throughput_bps(const std::string& group, double now_s) const {
  const GroupStats s = stats(group, now_s);
  if (s.throughput_samples < kMinPriorSamples) return std::nullopt;
  return s.throughput_p50_bps;
}

std::size_t TelemetryWindow::held() const {
  std::size_t n = 0;
  for (const auto& [name, samples] : groups_) n += samples.size();
  return n;
}

std::string TelemetryWindow::prometheus_text(double now_s) const {
  std::string out;
  const auto header = [&out](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  header("streamopt_telemetry_events_total", "counter", "Telemetry events accepted by this processor.");
  out += fmt::format("streamopt_telemetry_events_total {}\n", events_total_);
  header("streamopt_telemetry_rejected_total", "counter", "Malformed telemetry events rejected (and acknowledged).");
  out += fmt::format("streamopt_telemetry_rejected_total {}\n", rejected_);
  header("streamopt_telemetry_window_seconds", "gauge", "Length of the sliding window.");
  out += fmt::format("streamopt_telemetry_window_seconds {}\n", number(window_s_));

  std::vector<std::pair<std::string, GroupStats>> all;
  for (const std::string& g : groups()) all.emplace_back(escape_label(g), stats(g, now_s));
  // One metric family at a time, as the format requires.
  header("streamopt_group_events", "gauge", "Events of the group in the window.");
  for (const auto& [g, s] : all) out += fmt::format("streamopt_group_events{{group=\"{}\"}} {}\n", g, s.events);
  header("streamopt_group_sessions", "gauge", "Distinct sessions of the group in the window.");
  for (const auto& [g, s] : all) out += fmt::format("streamopt_group_sessions{{group=\"{}\"}} {}\n", g, s.sessions);
  header("streamopt_group_throughput_bps", "summary", "Download throughput of the group in the window, bits per second.");
  for (const auto& [g, s] : all) {
    if (s.throughput_samples == 0) continue;
    const std::pair<const char*, double> quantiles[] = {
        {"0.1", s.throughput_p10_bps}, {"0.5", s.throughput_p50_bps}, {"0.9", s.throughput_p90_bps}};
    for (const auto& [q, v] : quantiles) {
      out += fmt::format("streamopt_group_throughput_bps{{group=\"{}\",quantile=\"{}\"}} {}\n", g, q, number(v));
    }
    out += fmt::format("streamopt_group_throughput_bps_sum{{group=\"{}\"}} {}\n", g,
                       number(s.throughput_mean_bps * static_cast<double>(s.throughput_samples)));
    out += fmt::format("streamopt_group_throughput_bps_count{{group=\"{}\"}} {}\n", g, s.throughput_samples);
  }
  header("streamopt_group_prior_throughput_bps", "gauge",
         "Throughput prior a new session of the group starts from (window median), bits per second.");
  for (const auto& [g, s] : all) {
    if (s.throughput_samples < kMinPriorSamples) continue;
    out += fmt::format("streamopt_group_prior_throughput_bps{{group=\"{}\"}} {}\n", g, number(s.throughput_p50_bps));
  }
  header("streamopt_group_rebuffer_ratio", "gauge", "Stall seconds over watch seconds of the group in the window.");
  for (const auto& [g, s] : all) {
    if (std::isnan(s.rebuffer_ratio)) continue;
    out += fmt::format("streamopt_group_rebuffer_ratio{{group=\"{}\"}} {}\n", g, number(s.rebuffer_ratio));
  }
  header("streamopt_group_qoe_mean", "gauge", "Mean per-segment QoE of the group's downloads in the window.");
  for (const auto& [g, s] : all) {
    if (s.qoe_samples == 0) continue;
    out += fmt::format("streamopt_group_qoe_mean{{group=\"{}\"}} {}\n", g, number(s.qoe_mean));
  }
  return out;
}

}  // namespace streamopt
