// streamopt cc run | compare | cases: congestion controllers on the link simulator.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
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

// Options of cc run and cc compare.
struct CcOptions {
  std::string cc;
  std::string case_name;
  std::string trace;
  std::string out;
  double time_scale = 1.0;
  std::string trace_format = "auto";
  double duration_s = 0;
  double queue_ms = 300;
  double delay_ms = 50;
  double loss = 0;
  long long seed = 1;
  double interval_s = 0.1;
  bool packets = false;
  std::string encoder;
  std::string encoder_size;
  std::string encoder_input;
  CLI::Option* case_opt = nullptr;
  CLI::Option* trace_opt = nullptr;
  CLI::Option* out_opt = nullptr;
  CLI::Option* time_scale_opt = nullptr;
  CLI::Option* trace_format_opt = nullptr;
  CLI::Option* duration_opt = nullptr;
  CLI::Option* queue_opt = nullptr;
  CLI::Option* delay_opt = nullptr;
  CLI::Option* encoder_opt = nullptr;
  CLI::Option* encoder_size_opt = nullptr;
  CLI::Option* encoder_input_opt = nullptr;
};

void add_cc_options(CLI::App& app, CcOptions& o, bool compare) {
  app.add_option("--cc", o.cc,
                 compare ? "controllers, comma-separated (options continue the preceding name)"
                         : "the controller, e.g. gcc:profile=draft02")
      ->required()
      ->type_name(compare ? "A,B,..." : "NAME[:k=v,...]");
  o.case_opt = app.add_option("--case", o.case_name, "an RFC 8867 case (streamopt cc cases)")->type_name("CASE");
  o.trace_opt = app.add_option("--trace", o.trace,
                               compare ? "a capacity trace, or a directory: one row of means per controller over "
                                         "every trace in it"
                                       : "a capacity trace: one media flow, 50 ms one-way delay, 300 ms queue")
                    ->type_name(compare ? "FILE|DIR" : "FILE");
  o.out_opt = app.add_option("--out", o.out,
                             compare ? "one sub-directory per controller (per trace with a trace directory)"
                                     : "write packets.csv, intervals.csv and metrics.json into DIR")
                  ->type_name("DIR");
  o.time_scale_opt = app.add_option("--time-scale", o.time_scale, "--case: shorten every time in the case by K [default: 1]")
                         ->type_name("K")
                         ->check(number_above(0, 1));
  o.trace_format_opt = app.add_option("--trace-format", o.trace_format, "--trace: file format [default: auto]")
                           ->type_name("FORMAT")
                           ->check(CLI::IsMember({"auto", "cooked", "mahimahi", "sabre"}));
  o.duration_opt = app.add_option("--duration-s", o.duration_s, "--trace: simulate S seconds, 0 = the trace's length [default: 0]")
                       ->type_name("S")
                       ->check(number_in(0, 7 * 86400));
  o.queue_opt = app.add_option("--queue-ms", o.queue_ms, "drop-tail queue limit [default: the case's, 300]")
                    ->type_name("MS")
                    ->check(number_above(0, 60000));
  o.delay_opt = app.add_option("--delay-ms", o.delay_ms, "one-way delay of every flow [default: the case's]")
                    ->type_name("MS")
                    ->check(number_in(0, 60000));
  app.add_option("--loss", o.loss, "random loss probability per packet [default: 0]")->type_name("P")->check(number_in(0, 1));
  app.add_option("--seed", o.seed, "seed of random loss and frame sizes [default: 1]")
      ->type_name("N")
      ->check(integer_in(0, 1000000000000000000LL));
  app.add_option("--interval-s", o.interval_s, "sampling period of intervals.csv [default: 0.1]")
      ->type_name("S")
      ->check(number_in(0.01, 3600));
  if (compare) app.add_flag("--packets", o.packets, "also write packets.csv per controller (with --out)");
  o.encoder_opt = app.add_option("--encoder", o.encoder,
                                 "media frame sizes from a real live encoder (codec component): h264, h265, vp8, "
                                 "vp9, av1, e.g. vp8:libvpx; rates follow the controller")
                      ->type_name("CODEC[:BACKEND]");
  o.encoder_size_opt = app.add_option("--encoder-size", o.encoder_size, "--encoder: encoded size [default: 640x360]")
                           ->type_name("WxH");
  o.encoder_input_opt = app.add_option("--encoder-input", o.encoder_input,
                                       "--encoder: video to encode, looped [default: a synthetic moving pattern]")
                            ->type_name("FILE[,FILE...]");
}

// The checks of option combinations, once after parsing.
void check_cc_options(const CcOptions& o) {
  if (given(o.case_opt) == given(o.trace_opt)) throw UsageError("give exactly one of --case or --trace");
  if (given(o.case_opt)) {
    refuse(o.trace_format_opt, "to --case (only to --trace)");
    refuse(o.duration_opt, "to --case (only to --trace)");
  } else {
    refuse(o.time_scale_opt, "to --trace (only to --case)");
  }
  needs(o.encoder_size_opt, o.encoder_opt);
  needs(o.encoder_input_opt, o.encoder_opt);
}

// --encoder: every media flow takes its frame sizes from a real encoder.
void attach_encoder(const CcOptions& o, CcCase& c) {
  if (!given(o.encoder_opt)) return;
#ifdef STREAMOPT_HAVE_CODECS
  const std::string& spec = o.encoder;
  const auto colon = spec.find(':');
  EncoderConfig config;
  config.codec = parse_codec(spec.substr(0, colon));
  if (colon != std::string::npos) config.backend = parse_backend(spec.substr(colon + 1));
  config.width = 640;
  config.height = 360;
  if (given(o.encoder_size_opt)) {
    char x = 0;
    std::string rest;
    std::istringstream in(o.encoder_size);
    if (!(in >> config.width >> x >> config.height) || x != 'x' || (in >> rest) || config.width <= 0 ||
        config.height <= 0 || config.width > 8192 || config.height > 8192) {
      throw UsageError("--encoder-size: expected WxH within 8192x8192, e.g. 640x360");
    }
  }
  std::vector<std::filesystem::path> inputs;
  if (given(o.encoder_input_opt)) {
    for (const std::string& f : split_list(o.encoder_input)) inputs.emplace_back(f);
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
  throw UsageError("--encoder needs the codec component (built with STREAMOPT_WITH_CODECS=OFF)");
#endif
}

// The case of --case, or of one trace file (`trace`, when given).
CcCase build_case(const CcOptions& o, const std::string& cc, const std::filesystem::path& trace = {}) {
  CcCase c;
  if (given(o.case_opt)) {
    c = make_cc_case(o.case_name, cc, o.time_scale);
  } else {
    const std::filesystem::path file = trace.empty() ? std::filesystem::path(o.trace) : trace;
    c = make_trace_case(read_trace(file, parse_trace_format(o.trace_format)), cc, o.duration_s);
  }
  if (given(o.queue_opt)) c.link.queue_limit_s = o.queue_ms / 1e3;
  if (given(o.delay_opt)) {
    for (FlowConfig& f : c.flows) f.one_way_delay_s = o.delay_ms / 1e3;
  }
  c.link.random_loss = o.loss;
  c.link.seed = static_cast<std::uint64_t>(o.seed);
  attach_encoder(o, c);
  return c;
}

CcRunOptions run_options(const CcOptions& o, bool keep_packets) {
  CcRunOptions r;
  r.interval_s = o.interval_s;
  r.keep_packets = keep_packets;
  return r;
}

std::vector<std::string> controller_specs(const CcOptions& o) {
  std::vector<std::string> specs;
  for (const AlgorithmSpec& s : parse_spec_list(o.cc)) specs.push_back(s.to_string());
  if (specs.empty()) throw UsageError("--cc names no controller");
  return specs;
}

// Directory name of a controller spec: ':' ',' '=' become '_'.
std::string dir_name(std::string spec) {
  for (char& ch : spec) {
    if (ch == ':' || ch == ',' || ch == '=' || ch == '/') ch = '_';
  }
  return spec;
}

int run_one(const CcOptions& o) {
  const auto specs = controller_specs(o);
  if (specs.size() != 1) throw UsageError("cc run takes one controller; use cc compare for several");
  const CcRunResult r = run_cc_case(build_case(o, specs[0]), run_options(o, given(o.out_opt)));
  fmt::print("{}", format_cc_metrics(r));
  if (given(o.out_opt)) {
    write_cc_result(r, o.out);
    fmt::print("\nwrote {}\n", o.out);
  }
  return 0;
}

std::string cell(double v, double scale, const char* format) {
  return std::isfinite(v) ? fmt::format(fmt::runtime(format), v * scale) : std::string("-");
}

// compare over every trace of a directory: one row of means per controller.
int compare_traces(const CcOptions& o, const std::vector<std::string>& specs) {
  const auto files = list_trace_files(o.trace);
  fmt::print("| controller | traces | util % | tput kbps | qdelay p95 ms | frame p95 ms | loss % | skipped % |\n");
  fmt::print("|---|---|---|---|---|---|---|---|\n");
  for (const std::string& spec : specs) {
    CcRunMeans means;
    for (const auto& file : files) {
      const CcRunResult r = run_cc_case(build_case(o, spec, file), run_options(o, o.packets));
      means.add(r);
      if (given(o.out_opt)) write_cc_result(r, std::filesystem::path(o.out) / dir_name(spec) / file.filename());
    }
    fmt::print("| {} | {} | {:.1f} | {:.0f} | {:.0f} | {:.0f} | {:.2f} | {:.1f} |\n", means.label, means.runs,
               means.utilisation * 100, means.throughput_bps / 1e3, means.queue_delay_p95_s * 1e3,
               means.frame_delay_p95_s * 1e3, means.loss_fraction * 100, means.frames_skipped_fraction * 100);
  }
  return 0;
}

int compare(const CcOptions& o) {
  const auto specs = controller_specs(o);
  if (given(o.trace_opt) && std::filesystem::is_directory(o.trace)) return compare_traces(o, specs);
  fmt::print("| controller | case | util % | Jain | flow | tput kbps | qdelay p95 ms | frame p95 ms | loss % | ramp-up s |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|\n");
  for (const std::string& spec : specs) {
    const CcRunResult r = run_cc_case(build_case(o, spec), run_options(o, o.packets));
    for (const CcFlowMetrics& f : r.metrics.flows) {
      fmt::print("| {} | {} | {:.1f} | {:.3f} | {} | {} | {} | {} | {:.2f} | {} |\n", f.label, r.case_name,
                 r.metrics.utilisation * 100, r.metrics.jain_fairness, f.flow, cell(f.throughput_bps, 1e-3, "{:.0f}"),
                 cell(f.queue_delay_p95_s, 1e3, "{:.0f}"), cell(f.frame_delay_p95_s, 1e3, "{:.0f}"),
                 f.loss_fraction * 100, cell(f.ramp_up_s, 1, "{:.1f}"));
    }
    if (given(o.out_opt)) write_cc_result(r, std::filesystem::path(o.out) / dir_name(spec));
  }
  return 0;
}

}  // namespace

int run_cc(const std::vector<std::string>& argv) {
  CLI::App app("Congestion controllers on the packet-level link simulator.", "streamopt cc");
  configure(app);
  app.require_subcommand(1);
  CcOptions run_opts;
  auto* run_cmd = app.add_subcommand(
      "run", "one controller on one case: the metrics table on stdout; with --out, packets.csv, intervals.csv and "
             "metrics.json in DIR");
  add_cc_options(*run_cmd, run_opts, false);
  CcOptions compare_opts;
  auto* compare_cmd = app.add_subcommand(
      "compare", "each controller on the same case or trace, one summary row per controller and flow");
  add_cc_options(*compare_cmd, compare_opts, true);
  auto* cases_cmd = app.add_subcommand("cases", "the built-in RFC 8867 cases");
  app.footer("Controllers: streamopt list. Run 'streamopt cc SUBCOMMAND --help' for a subcommand's options.");
  if (argv.empty()) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  if (!parse(app, argv)) return 0;
  if (*run_cmd) {
    check_cc_options(run_opts);
    return run_one(run_opts);
  }
  if (*compare_cmd) {
    check_cc_options(compare_opts);
    needs(compare_cmd->get_option("--packets"), compare_opts.out_opt);
    return compare(compare_opts);
  }
  (void)cases_cmd;
  for (const std::string& name : cc_case_names()) {
    const CcCase c = make_cc_case(name, "gcc");
    fmt::print("  {:<20} {} ({:.0f} s)\n", name, c.description, c.duration_s);
  }
  return 0;
}

}  // namespace streamopt::cli
