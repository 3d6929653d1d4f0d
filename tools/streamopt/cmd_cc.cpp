// streamopt cc run | compare | cases: congestion controllers on the link simulator.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "args.hpp"
#include "streamopt/cc_sim.hpp"
#include "streamopt/error.hpp"
#include "streamopt/options.hpp"
#include "streamopt/registry.hpp"
#ifdef STREAMOPT_HAVE_CODECS
#include "streamopt/ladder.hpp"
#endif

namespace streamopt::cli {

namespace {

constexpr const char* kHelp = R"(usage: streamopt cc SUBCOMMAND ...

  run --cc NAME[:key=value,...] (--case CASE | --trace FILE) [--out DIR] [options]
      one controller on one case: metrics table on stdout; with --out, packets.csv,
      intervals.csv and metrics.json in DIR
  compare --cc A,B,... (--case CASE | --trace FILE|DIR) [--out DIR] [options]
      each controller on the same case, one summary row per controller and flow;
      with --out, one sub-directory per controller. With a trace directory: one
      row per controller, means over every trace in it
  cases
      the built-in RFC 8867 cases

options:
  --time-scale K        shorten every time in the case by K in (0, 1] (default 1)
  --trace-format F      auto | cooked | mahimahi | sabre (default auto)
  --duration-s S        trace cases: simulate S seconds (default: the trace's length)
  --queue-ms MS         drop-tail queue limit in ms (default: the case's, 300)
  --delay-ms MS         one-way delay of every flow in ms (default: the case's)
  --loss P              random loss probability per packet (default 0)
  --seed N              seed of random loss and frame sizes (default 1)
  --interval-s S        sampling period of intervals.csv (default 0.1)
  --packets             compare: also write packets.csv per controller
  --encoder CODEC[:BACKEND]  media frame sizes from a real live encoder (codec component):
                        h264, h265, vp8, vp9, av1, e.g. vp8:libvpx; rates follow the controller
  --encoder-size WxH    encoded size (default 640x360)
  --encoder-input FILE[,FILE...]  video to encode, looped (default: a synthetic moving pattern)

Controllers: streamopt list. Cases: streamopt cc cases.
)";

const std::set<std::string> kValued = {"cc",       "case",     "trace", "out",  "time-scale", "trace-format",
                                       "duration-s", "queue-ms", "delay-ms", "loss", "seed",       "interval-s",
                                       "encoder", "encoder-size", "encoder-input"};

// --encoder: every media flow takes its frame sizes from a real encoder.
void attach_encoder(const Args& a, CcCase& c) {
  if (!a.has("encoder")) {
    if (a.has("encoder-size") || a.has("encoder-input")) throw Error("--encoder-size and --encoder-input need --encoder");
    return;
  }
#ifdef STREAMOPT_HAVE_CODECS
  const std::string spec = a.required("encoder");
  const auto colon = spec.find(':');
  EncoderConfig config;
  config.codec = parse_codec(spec.substr(0, colon));
  if (colon != std::string::npos) config.backend = parse_backend(spec.substr(colon + 1));
  config.width = 640;
  config.height = 360;
  if (a.has("encoder-size")) {
    const std::string size = a.required("encoder-size");
    char x = 0;
    std::istringstream in(size);
    if (!(in >> config.width >> x >> config.height) || x != 'x') throw Error("--encoder-size: expected WxH, e.g. 640x360");
  }
  std::vector<std::filesystem::path> inputs;
  if (a.has("encoder-input")) {
    for (const std::string& f : split_list(a.required("encoder-input"))) inputs.emplace_back(f);
  }
  for (FlowConfig& f : c.flows) {
    if (f.kind != FlowKind::media) continue;
    f.frame_source = [config, inputs](const FlowConfig& flow, std::uint32_t id) {
      EncoderConfig e = config;
      e.fps = static_cast<int>(std::lround(flow.fps));
      e.target_bps = flow.limits.start_rate_bps;
      e.keyint_frames = static_cast<int>(std::lround(std::max(flow.keyframe_interval_s, 1.0) * flow.fps));
      return make_encoder_frame_source(e, [inputs, e, id]() {
        return inputs.empty() ? synthetic_video(e.width, e.height, e.fps, 1 << 30, id + 1) : open_video_files(inputs);
      });
    };
  }
#else
  (void)c;
  throw Error("--encoder needs the codec component (built with STREAMOPT_WITH_CODECS=OFF)");
#endif
}

// The case of --case, or of one trace file (`trace`, when given).
CcCase build_case(const Args& a, const std::string& cc, const std::filesystem::path& trace = {}) {
  if (a.has("case") == a.has("trace")) throw Error("give exactly one of --case or --trace");
  CcCase c;
  if (a.has("case")) {
    c = make_cc_case(a.required("case"), cc, a.get_double("time-scale", 1.0));
  } else {
    const std::filesystem::path file = trace.empty() ? std::filesystem::path(a.required("trace")) : trace;
    c = make_trace_case(read_trace(file, parse_trace_format(a.get("trace-format", "auto"))), cc,
                        a.get_double("duration-s", 0));
  }
  if (a.has("queue-ms")) {
    const double queue_ms = a.get_double("queue-ms", 300);
    if (!(queue_ms > 0)) throw Error("--queue-ms must be > 0");
    c.link.queue_limit_s = queue_ms / 1e3;
  }
  if (a.has("delay-ms")) {
    const double delay_ms = a.get_double("delay-ms", 50);
    for (FlowConfig& f : c.flows) f.one_way_delay_s = delay_ms / 1e3;
  }
  c.link.random_loss = a.get_double("loss", 0);
  const long seed = a.get_int("seed", 1);
  if (seed < 0) throw Error("--seed must be >= 0");
  c.link.seed = static_cast<std::uint64_t>(seed);
  attach_encoder(a, c);
  return c;
}

CcRunOptions run_options(const Args& a, bool keep_packets) {
  CcRunOptions o;
  o.interval_s = a.get_double("interval-s", 0.1);
  o.keep_packets = keep_packets;
  return o;
}

std::vector<std::string> controller_specs(const Args& a) {
  std::vector<std::string> specs;
  for (const AlgorithmSpec& s : parse_spec_list(a.required("cc"))) specs.push_back(s.to_string());
  if (specs.empty()) throw Error("--cc names no controller");
  return specs;
}

// Directory name of a controller spec: ':' ',' '=' become '_'.
std::string dir_name(std::string spec) {
  for (char& ch : spec) {
    if (ch == ':' || ch == ',' || ch == '=' || ch == '/') ch = '_';
  }
  return spec;
}

int run_one(const Args& a) {
  const auto specs = controller_specs(a);
  if (specs.size() != 1) throw Error("cc run takes one controller; use cc compare for several");
  const CcRunResult r = run_cc_case(build_case(a, specs[0]), run_options(a, a.has("out")));
  fmt::print("{}", format_cc_metrics(r));
  if (a.has("out")) {
    write_cc_result(r, a.required("out"));
    fmt::print("\nwrote {}\n", a.required("out"));
  }
  return 0;
}

std::string cell(double v, double scale, const char* format) {
  return std::isfinite(v) ? fmt::format(fmt::runtime(format), v * scale) : std::string("-");
}

// compare over every trace of a directory: one row of means per controller.
int compare_traces(const Args& a, const std::vector<std::string>& specs) {
  const auto files = list_trace_files(a.required("trace"));
  fmt::print("| controller | traces | util % | tput kbps | qdelay p95 ms | frame p95 ms | loss % | skipped % |\n");
  fmt::print("|---|---|---|---|---|---|---|---|\n");
  for (const std::string& spec : specs) {
    CcRunMeans means;
    for (const auto& file : files) {
      const CcRunResult r = run_cc_case(build_case(a, spec, file), run_options(a, a.has("packets")));
      means.add(r);
      if (a.has("out")) {
        write_cc_result(r, std::filesystem::path(a.required("out")) / dir_name(spec) / file.filename());
      }
    }
    fmt::print("| {} | {} | {:.1f} | {:.0f} | {:.0f} | {:.0f} | {:.2f} | {:.1f} |\n", means.label, means.runs,
               means.utilisation * 100, means.throughput_bps / 1e3, means.queue_delay_p95_s * 1e3,
               means.frame_delay_p95_s * 1e3, means.loss_fraction * 100, means.frames_skipped_fraction * 100);
  }
  return 0;
}

int compare(const Args& a) {
  const auto specs = controller_specs(a);
  if (a.has("trace") && std::filesystem::is_directory(a.required("trace"))) return compare_traces(a, specs);
  fmt::print("| controller | case | util % | Jain | flow | tput kbps | qdelay p95 ms | frame p95 ms | loss % | ramp-up s |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const std::string& spec : specs) {
    const CcRunResult r = run_cc_case(build_case(a, spec), run_options(a, a.has("packets")));
    for (const CcFlowMetrics& f : r.metrics.flows) {
      fmt::print("| {} | {} | {:.1f} | {:.3f} | {} | {} | {} | {} | {:.2f} | {} |\n", f.label, r.case_name,
                 r.metrics.utilisation * 100, r.metrics.jain_fairness, f.flow, cell(f.throughput_bps, 1e-3, "{:.0f}"),
                 cell(f.queue_delay_p95_s, 1e3, "{:.0f}"), cell(f.frame_delay_p95_s, 1e3, "{:.0f}"),
                 f.loss_fraction * 100, cell(f.ramp_up_s, 1, "{:.1f}"));
    }
    if (a.has("out")) write_cc_result(r, std::filesystem::path(a.required("out")) / dir_name(spec));
  }
  return 0;
}

}  // namespace

int run_cc(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h") {
    fmt::print("{}", kHelp);
    return argv.empty() ? 2 : 0;
  }
  const std::string sub = argv[0];
  const Args a(std::vector<std::string>(argv.begin() + 1, argv.end()), kValued, {"help", "packets"});
  if (a.has("help")) {
    fmt::print("{}", kHelp);
    return 0;
  }
  if (!a.positional().empty()) throw Error(fmt::format("cc {}: unexpected argument '{}'", sub, a.positional()[0]));
  if (sub == "run") return run_one(a);
  if (sub == "compare") return compare(a);
  if (sub == "cases") {
    for (const std::string& name : cc_case_names()) {
      const CcCase c = make_cc_case(name, "gcc");
      fmt::print("  {:<20} {} ({:.0f} s)\n", name, c.description, c.duration_s);
    }
    return 0;
  }
  throw Error(fmt::format("unknown cc subcommand '{}' (run, compare, cases)", sub));
}

}  // namespace streamopt::cli
