// cc_reference: runs our controllers and libwebrtc's GoogCC side by side on
// the link simulator's cases and prints one Markdown row per controller and
// case (the table in docs/benchmarks.md).
//   cc_reference [--cc gcc,gcc:profile=draft02,nada,bbr,libwebrtc_googcc]
//                [--case all|NAME] [--time-scale 1] [--traces DIR]
// With --traces: one media flow per trace of DIR, one row of means per controller.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <rtc_base/logging.h>

#include "googcc_adapter.hpp"
#include "streamopt/cc_sim.hpp"
#include "streamopt/error.hpp"
#include "streamopt/options.hpp"

namespace {

std::string cell(double v, double scale, int decimals) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v * scale, decimals) : std::string("-");
}

// Means over every trace of `dir`, one row per controller.
int run_traces(const streamopt::Registry& registry, const std::string& cc, const std::string& dir) {
  const auto files = streamopt::list_trace_files(dir);
  fmt::print("| traces | controller | util % | tput kbps | qdelay p95 ms | frame p95 ms | loss % |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  for (const auto& spec : streamopt::parse_spec_list(cc)) {
    double util = 0, tput = 0, q95 = 0, f95 = 0, loss = 0;
    std::string label;
    for (const auto& file : files) {
      const auto c = streamopt::make_trace_case(streamopt::read_trace(file), spec.to_string());
      const auto r = streamopt::run_cc_case(c, {}, registry);
      const auto& f = r.metrics.flows.front();
      label = f.label;
      util += r.metrics.utilisation;
      tput += f.throughput_bps;
      q95 += f.queue_delay_p95_s;
      f95 += f.frame_delay_p95_s;
      loss += f.loss_fraction;
    }
    const auto n = static_cast<double>(files.size());
    fmt::print("| {} ({}) | {} | {:.1f} | {:.0f} | {:.0f} | {:.0f} | {:.2f} |\n", dir, files.size(), label,
               util / n * 100, tput / n / 1e3, q95 / n * 1e3, f95 / n * 1e3, loss / n * 100);
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
