// cc_reference: runs our controllers and libwebrtc's GoogCC side by side on
// the link simulator's cases and prints one Markdown row per controller and
// case (the table in docs/benchmarks.md).
//   cc_reference [--cc gcc,gcc:profile=draft02,nada,bbr,libwebrtc_googcc]
//                [--case all|NAME] [--time-scale 1] [--traces DIR]
// With --traces: one media flow per trace of DIR, one row of means per controller.
// With --check-trendline: feeds the same packet-group deltas to libwebrtc's
// TrendlineEstimator and to our trendline filter + over-use detector, and
// prints how often their verdicts agree.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <api/transport/field_trial_based_config.h>
#include <modules/congestion_controller/goog_cc/trendline_estimator.h>
#include <modules/remote_bitrate_estimator/aimd_rate_control.h>
#include <rtc_base/logging.h>

#include <random>

#include "cc/gcc_delay.hpp"
#include "cc/gcc_rate.hpp"

#include "googcc_adapter.hpp"
#include "streamopt/cc_sim.hpp"
#include "streamopt/error.hpp"
#include "streamopt/options.hpp"

namespace {

std::string cell(double v, double scale, int decimals) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v * scale, decimals) : std::string("-");
}

// Our libwebrtc-profile delay detector against libwebrtc's TrendlineEstimator
// on a seeded series of group deltas (idle, queue building, draining, noise).
int check_trendline() {
  webrtc::FieldTrialBasedConfig trials;
  webrtc::TrendlineEstimator theirs(&trials, nullptr);
  streamopt::cc::TrendlineFilter filter(20, 0.9);
  streamopt::cc::OveruseDetector ours(0.0087, 0.039);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> noise(-3, 3);
  std::int64_t send_ms = 1000, arrival_ms = 1050;
  int agree = 0, total = 0, overuse_theirs = 0, underuse_theirs = 0;
  for (int i = 0; i < 4000; ++i) {
    const int phase = (i / 250) % 4;  // idle, building (+1 ms / group), draining (-1 ms), noisy
    int extra = 0;
    if (phase == 1) extra = 1;
    if (phase == 2) extra = -1;
    if (phase == 3) extra = noise(rng);
    const int send_delta = 10;
    const int recv_delta = std::max(1, send_delta + extra);
    send_ms += send_delta;
    arrival_ms += recv_delta;
    theirs.Update(recv_delta, send_delta, send_ms, arrival_ms, 1200, true);
    const streamopt::cc::GroupDelta d{static_cast<double>(send_delta), static_cast<double>(recv_delta), static_cast<double>(arrival_ms)};
    const double slope = filter.update(d);
    const double scale = std::min(i + 1, 60);
    streamopt::cc::Usage usage = streamopt::cc::Usage::normal;
    if (i + 1 >= 2) usage = ours.detect(scale * slope * 4.0, send_delta, static_cast<double>(arrival_ms));
    const webrtc::BandwidthUsage state = theirs.State();
    const bool same = (state == webrtc::BandwidthUsage::kBwNormal && usage == streamopt::cc::Usage::normal) ||
                      (state == webrtc::BandwidthUsage::kBwOverusing && usage == streamopt::cc::Usage::overuse) ||
                      (state == webrtc::BandwidthUsage::kBwUnderusing && usage == streamopt::cc::Usage::underuse);
    agree += same ? 1 : 0;
    overuse_theirs += state == webrtc::BandwidthUsage::kBwOverusing ? 1 : 0;
    underuse_theirs += state == webrtc::BandwidthUsage::kBwUnderusing ? 1 : 0;
    ++total;
  }
  fmt::print("trendline + detector vs libwebrtc TrendlineEstimator: {} of {} group verdicts agree ({:.2f} %); "
             "libwebrtc: {} over-use, {} under-use\n",
             agree, total, 100.0 * agree / total, overuse_theirs, underuse_theirs);
  return agree == total ? 0 : 1;
}

// Our AIMD against libwebrtc's AimdRateControl on one scripted series of
// detector verdicts and received rates (a link of 1.5 Mbit/s, then 0.6, then
// 2.5), updated every 50 ms: prints the mean and largest relative difference.
int check_aimd() {
  webrtc::FieldTrialBasedConfig trials;
  webrtc::AimdRateControl theirs(&trials, true);
  theirs.SetStartBitrate(webrtc::DataRate::BitsPerSec(300000));
  theirs.SetMinBitrate(webrtc::DataRate::BitsPerSec(50000));
  theirs.SetRtt(webrtc::TimeDelta::Millis(100));
  streamopt::cc::AimdRateControl ours(300e3, 50e3, 10e6);
  double sum = 0, worst = 0;
  int n = 0;
  double rate_theirs = 300e3;
  for (int i = 1; i <= 1200; ++i) {  // 60 s
    const double t_s = 10.0 + i * 0.05;
    const double capacity = i < 400 ? 1.5e6 : i < 800 ? 0.6e6 : 2.5e6;
    // The link delivers what is sent up to its capacity; sending above it is over-use.
    const double received = std::min(rate_theirs, capacity);
    const bool over = rate_theirs > capacity;
    const webrtc::BandwidthUsage usage = over ? webrtc::BandwidthUsage::kBwOverusing : webrtc::BandwidthUsage::kBwNormal;
    const webrtc::RateControlInput input(usage, webrtc::DataRate::BitsPerSec(static_cast<int64_t>(received)));
    rate_theirs = static_cast<double>(theirs.Update(&input, webrtc::Timestamp::Micros(static_cast<int64_t>(t_s * 1e6))).bps());
    const double rate_ours = ours.update(over ? streamopt::cc::Usage::overuse : streamopt::cc::Usage::normal, received, 0.1, t_s);
    const double diff = std::fabs(rate_ours - rate_theirs) / rate_theirs;
    sum += diff;
    worst = std::max(worst, diff);
    ++n;
  }
  fmt::print("AIMD vs libwebrtc AimdRateControl on a scripted 60 s series: mean relative difference {:.2f} %, largest {:.2f} %\n",
             100 * sum / n, 100 * worst);
  return 0;
}

// Means over every trace of `dir`, one row per controller.
int run_traces(const streamopt::Registry& registry, const std::string& cc, const std::string& dir) {
  const auto files = streamopt::list_trace_files(dir);
  fmt::print("| traces | controller | util % | tput kbps | qdelay p95 ms | frame p95 ms | loss % |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  for (const auto& spec : streamopt::parse_spec_list(cc)) {
    streamopt::CcRunMeans means;
    for (const auto& file : files) {
      const auto c = streamopt::make_trace_case(streamopt::read_trace(file), spec.to_string());
      means.add(streamopt::run_cc_case(c, {}, registry));
    }
    fmt::print("| {} ({}) | {} | {:.1f} | {:.0f} | {:.0f} | {:.0f} | {:.2f} |\n", dir, means.runs, means.label,
               means.utilisation * 100, means.throughput_bps / 1e3, means.queue_delay_p95_s * 1e3,
               means.frame_delay_p95_s * 1e3, means.loss_fraction * 100);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cc = "gcc,gcc:profile=draft02,nada,bbr,libwebrtc_googcc";
  std::string which = "all";
  double time_scale = 1.0;
  std::string traces;
  if (argc == 2 && std::string(argv[1]) == "--check-trendline") {
    rtc::LogMessage::LogToDebug(rtc::LS_NONE);
    return check_trendline();
  }
  if (argc == 2 && std::string(argv[1]) == "--check-aimd") {
    rtc::LogMessage::LogToDebug(rtc::LS_NONE);
    return check_aimd();
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--cc") cc = argv[i + 1];
    else if (key == "--case") which = argv[i + 1];
    else if (key == "--time-scale") time_scale = std::stod(argv[i + 1]);
    else if (key == "--traces") traces = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: cc_reference [--cc LIST] [--case all|NAME] [--time-scale K] [--traces DIR]\n");
      return 2;
    }
  }
  rtc::LogMessage::LogToDebug(rtc::LS_NONE);  // GoogCC logs every probe otherwise
  try {
    const streamopt::Registry registry = streamopt::bench::registry_with_libwebrtc();
    if (!traces.empty()) return run_traces(registry, cc, traces);
    const std::vector<std::string> cases =
        which == "all" ? streamopt::cc_case_names() : std::vector<std::string>{which};
    fmt::print("| case | controller | util % | Jain | media/TCP | tput kbps (per flow) | qdelay p95 ms | frame p95 ms | loss % | ramp-up s |\n");
    fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const std::string& name : cases) {
      for (const auto& spec : streamopt::parse_spec_list(cc)) {
        const auto c = streamopt::make_cc_case(name, spec.to_string(), time_scale);
        const auto r = streamopt::run_cc_case(c, {}, registry);
        std::vector<std::string> tput;
        double q95 = 0, f95 = 0, loss = 0, ramp = 0;
        std::size_t media = 0;
        for (const auto& f : r.metrics.flows) {
          tput.push_back(cell(f.throughput_bps, 1e-3, 0));
          if (f.label == "tcp") continue;
          ++media;
          q95 = std::max(q95, f.queue_delay_p95_s);
          f95 = std::max(f95, f.frame_delay_p95_s);
          loss += f.loss_fraction;
          ramp = std::isnan(f.ramp_up_s) || std::isnan(ramp) ? NAN : std::max(ramp, f.ramp_up_s);
        }
        fmt::print("| {} | {} | {:.1f} | {:.3f} | {} | {} | {} | {} | {:.2f} | {} |\n", name,
                   r.metrics.flows.front().label, r.metrics.utilisation * 100, r.metrics.jain_fairness,
                   cell(r.metrics.media_tcp_ratio, 1, 2), fmt::join(tput, "/"), cell(q95, 1e3, 0), cell(f95, 1e3, 0),
                   loss / static_cast<double>(media) * 100, std::isnan(ramp) ? std::string("never") : cell(ramp, 1, 1));
        std::fflush(stdout);
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cc_reference: %s\n", e.what());
    return 1;
  }
  return 0;
}
