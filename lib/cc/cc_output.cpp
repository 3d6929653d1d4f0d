// Link-simulator results as CSV, JSON and a Markdown table.
#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "core/text_io.hpp"
#include "streamopt/cc_sim.hpp"
#include "streamopt/error.hpp"

namespace streamopt {
namespace {

nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json nums(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(num(x));
  return a;
}

// Milliseconds with no decimals, or "-" when not applicable.
std::string ms(double s) { return std::isfinite(s) ? fmt::format("{:.0f}", s * 1e3) : "-"; }
std::string kbps(double bps) { return std::isfinite(bps) ? fmt::format("{:.0f}", bps / 1e3) : "-"; }

// Values joined by '/', each formatted by `one`; "-" when empty.
template <class F>
std::string joined(const std::vector<double>& values, F one) {
  if (values.empty()) return "-";
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(one(v));
  return fmt::format("{}", fmt::join(parts, "/"));
}

}  // namespace

void write_cc_result(const CcRunResult& result, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create output directory {}: {}", dir.string(), ec.message()));

  std::string intervals =
      "time_s,flow,capacity_bps,target_bps,pacing_bps,received_bps,queue_delay_s,delay_estimate_bps,"
      "loss_estimate_bps,signal,threshold,loss_fraction,rtt_s,phase\n";
  for (const CcIntervalRecord& r : result.intervals) {
    const CcState& s = r.state;
    intervals += fmt::format("{:.3f},{},{:.0f},{:.0f},{:.0f},{:.0f},{:.6f},{:.0f},{:.0f},{:.6g},{:.6g},{:.6f},{:.6f},{}\n",
                             r.time_s, r.flow, r.capacity_bps, r.target_bps, r.pacing_bps, r.received_bps,
                             r.queue_delay_s, s.delay_estimate_bps, s.loss_estimate_bps, s.signal, s.threshold,
                             s.loss_fraction, s.rtt_s, s.phase);
  }
  detail::write_file_atomic(dir / "intervals.csv", intervals);

  if (!result.packets.empty()) {
    std::string packets = "flow,sequence,size_bytes,send_s,arrival_s,lost,queue_delay_s\n";
    for (const CcPacketRecord& p : result.packets) {
      const bool lost = std::isnan(p.arrival_s);
      packets += fmt::format("{},{},{},{:.6f},{},{},{}\n", p.flow, p.sequence, p.size_bytes, p.send_s,
                             lost ? std::string() : fmt::format("{:.6f}", p.arrival_s), lost ? 1 : 0,
                             lost ? std::string() : fmt::format("{:.6f}", p.queue_delay_s));
    }
    detail::write_file_atomic(dir / "packets.csv", packets);
  }

  const CcMetrics& m = result.metrics;
  nlohmann::json doc;
  doc["case"] = result.case_name;
  doc["utilisation"] = num(m.utilisation);
  doc["jain_fairness"] = num(m.jain_fairness);
  doc["media_tcp_ratio"] = num(m.media_tcp_ratio);
  doc["step_times_s"] = nums(m.step_times_s);
  doc["events"] = result.events;
  doc["flows"] = nlohmann::json::array();
  for (const CcFlowMetrics& f : m.flows) {
    doc["flows"].push_back({{"flow", f.flow},
                            {"label", f.label},
                            {"throughput_bps", num(f.throughput_bps)},
                            {"media_rate_mean_bps", num(f.media_rate_mean_bps)},
                            {"media_rate_cov", num(f.media_rate_cov)},
                            {"queue_delay_p50_s", num(f.queue_delay_p50_s)},
                            {"queue_delay_p95_s", num(f.queue_delay_p95_s)},
                            {"queue_delay_p99_s", num(f.queue_delay_p99_s)},
                            {"frame_delay_p95_s", num(f.frame_delay_p95_s)},
                            {"loss_fraction", num(f.loss_fraction)},
                            {"frames_skipped_fraction", num(f.frames_skipped_fraction)},
                            {"ramp_up_s", num(f.ramp_up_s)},
                            {"convergence_s", nums(f.convergence_s)},
                            {"peak_queue_after_drop_s", nums(f.peak_queue_after_drop_s)}});
  }
  detail::write_file_atomic(dir / "metrics.json", doc.dump(2) + "\n");
}

std::string format_cc_metrics(const CcRunResult& result) {
  const CcMetrics& m = result.metrics;
  std::string out = fmt::format("case {}: utilisation {:.1f} %, Jain fairness {:.3f}", result.case_name,
                                m.utilisation * 100, m.jain_fairness);
  if (std::isfinite(m.media_tcp_ratio)) out += fmt::format(", media/TCP throughput {:.2f}", m.media_tcp_ratio);
  out += "\n\n";
  out += "| flow | controller | tput kbps | media kbps | rate CoV | qdelay p50/p95/p99 ms | frame p95 ms | loss % | "
         "skipped % | ramp-up s | convergence s | peak queue after drop ms |\n";
  out += "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const CcFlowMetrics& f : m.flows) {
    out += fmt::format("| {} | {} | {} | {} | {} | {}/{}/{} | {} | {:.2f} | {} | {} | {} | {} |\n", f.flow, f.label,
                       kbps(f.throughput_bps), kbps(f.media_rate_mean_bps),
                       std::isfinite(f.media_rate_cov) ? fmt::format("{:.2f}", f.media_rate_cov) : "-",
                       ms(f.queue_delay_p50_s), ms(f.queue_delay_p95_s), ms(f.queue_delay_p99_s),
                       ms(f.frame_delay_p95_s), f.loss_fraction * 100,
                       std::isfinite(f.frames_skipped_fraction) ? fmt::format("{:.1f}", f.frames_skipped_fraction * 100) : "-",
                       std::isfinite(f.ramp_up_s) ? fmt::format("{:.1f}", f.ramp_up_s) : "never",
                       joined(f.convergence_s, [](double v) { return std::isfinite(v) ? fmt::format("{:.1f}", v) : std::string("never"); }),
                       joined(f.peak_queue_after_drop_s, ms));
  }
  return out;
}

}  // namespace streamopt
