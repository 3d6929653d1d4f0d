// RFC 8868 metrics of a link-simulator run.
#include <algorithm>
#include <cmath>
#include <limits>

#include "cc/cc_run.hpp"
#include "streamopt/stats.hpp"

namespace streamopt::cc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kRampShare = 0.8;                 // ramp-up ends at 80 % of the fair share
constexpr double kBandLow = 0.7, kBandHigh = 1.05; // convergence band around the fair share
constexpr double kPeakWindowS = 5.0;               // peak queue after a drop: next 5 s
constexpr std::size_t kMaxSteps = 20;              // traces with more steps get no step metrics
constexpr double kLossTailS = 2.0;                 // packets sent this close to the end are not judged

double active_time_s(const FlowConfig& f, double duration_s) {
  const double end = std::min(f.stop_s, duration_s);
  double active = std::max(0.0, end - f.start_s);
  if (f.pause_start_s >= 0) {
    active -= std::max(0.0, std::min(f.pause_end_s, end) - std::max(f.pause_start_s, f.start_s));
  }
  return active;
}

}  // namespace

bool flow_sending(const FlowConfig& f, double t_s) {
  if (t_s < f.start_s || t_s >= f.stop_s) return false;
  return !(f.pause_start_s >= 0 && t_s >= f.pause_start_s && t_s < f.pause_end_s);
}

CcMetrics compute_cc_metrics(const CcCase& c, const CapacityCurve& capacity, const RawRun& raw,
                             const std::vector<CcIntervalRecord>& intervals,
                             const std::vector<std::string>& labels) {
  const std::size_t n = c.flows.size();
  const double duration = c.duration_s;
  auto fair_share = [&](double t) {
    std::size_t active = 0;
    for (const FlowConfig& f : c.flows) active += flow_sending(f, t) ? 1 : 0;
    return capacity.rate_bps(t) / static_cast<double>(std::max<std::size_t>(active, 1));
  };

  CcMetrics m;
  std::vector<CapacityCurve::Step> steps = capacity.steps(duration);
  if (steps.size() > kMaxSteps) steps.clear();
  for (const auto& s : steps) m.step_times_s.push_back(s.time_s);

  std::vector<double> delivered_bits(n, 0), sent(n, 0), lost(n, 0);
  std::vector<std::vector<double>> queue_delays(n);
  for (const CcPacketRecord& p : raw.packets) {
    if (!std::isnan(p.arrival_s)) {
      delivered_bits[p.flow] += p.size_bytes * 8.0;
      queue_delays[p.flow].push_back(p.queue_delay_s);
    }
    if (p.send_s <= duration - kLossTailS - c.flows[p.flow].one_way_delay_s) {
      sent[p.flow] += 1;
      if (std::isnan(p.arrival_s)) lost[p.flow] += 1;
    }
  }
  double total_bits = 0;
  for (double b : delivered_bits) total_bits += b;
  m.utilisation = total_bits / capacity.bits_between(0, duration);

  std::vector<std::vector<const CcIntervalRecord*>> series(n);
  for (const CcIntervalRecord& r : intervals) series[r.flow].push_back(&r);

  double media_bps = 0, tcp_bps = 0;
  std::vector<double> flow_throughputs_bps;
  bool has_tcp = false;
  for (std::size_t i = 0; i < n; ++i) {
    const FlowConfig& fc = c.flows[i];
    const bool media = fc.kind == FlowKind::media;
    CcFlowMetrics fm;
    fm.flow = static_cast<std::uint32_t>(i);
    fm.label = labels[i];
    const double active = active_time_s(fc, duration);
    fm.throughput_bps = active > 0 ? delivered_bits[i] / active : 0.0;
    (media ? media_bps : tcp_bps) += fm.throughput_bps;
    has_tcp = has_tcp || !media;
    flow_throughputs_bps.push_back(fm.throughput_bps);

    fm.media_rate_mean_bps = fm.media_rate_cov = kNaN;
    if (media) {
      std::vector<double> rates;
      const auto full_bins = static_cast<std::size_t>(std::floor(duration));
      for (std::size_t b = 0; b < full_bins && b < raw.active_bins[i].size(); ++b) {
        if (raw.active_bins[i][b]) rates.push_back(raw.encoded_bits_per_s[i][b]);
      }
      if (!rates.empty()) {
        fm.media_rate_mean_bps = stats::mean(rates);
        fm.media_rate_cov = stats::coefficient_of_variation(rates);
      }
    }
    fm.queue_delay_p50_s = stats::percentile(queue_delays[i], 0.50);
    fm.queue_delay_p95_s = stats::percentile(queue_delays[i], 0.95);
    fm.queue_delay_p99_s = stats::percentile(queue_delays[i], 0.99);
    fm.frame_delay_p95_s = media ? stats::percentile(raw.frame_delays_s[i], 0.95) : kNaN;
    fm.loss_fraction = sent[i] > 0 ? lost[i] / sent[i] : 0.0;
    fm.frames_skipped_fraction = media && raw.frames_captured[i] > 0 ? raw.frames_skipped[i] / raw.frames_captured[i] : kNaN;

    // The rate the ramp-up and convergence look at: the target of a media
    // flow, the 1 s mean received rate of a TCP flow.
    const auto& s = series[i];
    std::vector<double> rate(s.size(), 0);
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (media) {
        rate[k] = s[k]->target_bps;
      } else {
        double acc = 0;
        std::size_t cnt = 0;
        for (std::size_t j = k + 1; j-- > 0 && s[k]->time_s - s[j]->time_s < 1.0;) {
          acc += s[j]->received_bps;
          ++cnt;
        }
        rate[k] = acc / static_cast<double>(cnt);
      }
    }
    fm.ramp_up_s = kNaN;
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (s[k]->time_s < fc.start_s) continue;
      if (rate[k] >= kRampShare * fair_share(s[k]->time_s)) {
        fm.ramp_up_s = s[k]->time_s - fc.start_s;
        break;
      }
    }
    for (std::size_t j = 0; j < steps.size(); ++j) {
      const double t0 = steps[j].time_s;
      const double t1 = j + 1 < steps.size() ? steps[j + 1].time_s : duration;
      double conv = kNaN;
      if (media && flow_sending(fc, t0)) {
        for (std::size_t k = 0; k < s.size(); ++k) {
          const double t = s[k]->time_s;
          if (t < t0 || t >= t1) continue;
          const double share = fair_share(t);
          if (rate[k] >= kBandLow * share && rate[k] <= kBandHigh * share) {
            conv = t - t0;
            break;
          }
        }
      }
      fm.convergence_s.push_back(conv);
      if (steps[j].after_bps < steps[j].before_bps) {
        double peak = 0;
        for (const CcPacketRecord& p : raw.packets) {
          if (p.flow == i && p.send_s >= t0 && p.send_s < t0 + kPeakWindowS && !std::isnan(p.queue_delay_s)) {
            peak = std::max(peak, p.queue_delay_s);
          }
        }
        fm.peak_queue_after_drop_s.push_back(peak);
      }
    }
    m.flows.push_back(std::move(fm));
  }
  m.jain_fairness = stats::jain_index(flow_throughputs_bps);
  m.media_tcp_ratio = has_tcp && tcp_bps > 0 ? media_bps / tcp_bps : kNaN;
  return m;
}

}  // namespace streamopt::cc

namespace streamopt {

void CcRunMeans::add(const CcRunResult& result) {
  const CcFlowMetrics& f = result.metrics.flows.at(0);
  label = f.label;
  ++runs;
  const double k = 1.0 / static_cast<double>(runs);
  utilisation += (result.metrics.utilisation - utilisation) * k;
  throughput_bps += (f.throughput_bps - throughput_bps) * k;
  queue_delay_p95_s += (f.queue_delay_p95_s - queue_delay_p95_s) * k;
  frame_delay_p95_s += (f.frame_delay_p95_s - frame_delay_p95_s) * k;
  loss_fraction += (f.loss_fraction - loss_fraction) * k;
  frames_skipped_fraction += (f.frames_skipped_fraction - frames_skipped_fraction) * k;
}

}  // namespace streamopt
