// simulate, evaluate and list.
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "args.hpp"
#include "streamopt/streamopt.hpp"

namespace streamopt::cli {

namespace {

namespace fs = std::filesystem;

// Ranges of the simulator options (documented in docs/cli.md).
constexpr double kMaxRttMs = 60000;
constexpr double kMaxBufferS = 3600;
constexpr long long kMaxSegments = 1000000;

// Options simulate and evaluate share.
struct SimOptions {
  std::string traces;
  std::string video = "synthetic";
  std::string mode = "default";
  std::string qoe = "lin";
  std::string trace_format = "auto";
  long long segments = 0;
  double rtt_ms = 0;
  double payload = 0;
  double max_buffer_s = 0;
  double startup_s = 0;
  double progress_interval_s = 0;
  CLI::Option* segments_opt = nullptr;
  CLI::Option* rtt_opt = nullptr;
  CLI::Option* payload_opt = nullptr;
  CLI::Option* max_buffer_opt = nullptr;
  CLI::Option* startup_opt = nullptr;
  CLI::Option* progress_interval_opt = nullptr;
  LiveConfig live;                        // --mode live
  std::string catchup = "on";
  std::string live_throughput = "chunk";
  std::vector<CLI::Option*> live_opts;    // refused outside --mode live
};

void add_live_options(CLI::App& app, SimOptions& o) {
  const auto add = [&](CLI::Option* opt) { o.live_opts.push_back(opt->group("Live (--mode live)")); };
  add(app.add_option("--target-latency-s", o.live.target_latency_s,
                     "latency the player joins at and steers to [default: 3]")
          ->type_name("S")
          ->check(number_above(0, kMaxBufferS)));
  add(app.add_option("--chunk-s", o.live.chunk_s, "CMAF chunk duration, 0 = whole segments [default: 0.5]")
          ->type_name("S")
          ->check(number_in(0, kMaxBufferS)));
  add(app.add_option("--min-playback-rate", o.live.min_playback_rate, "slowest catch-up speed [default: 0.5]")
          ->type_name("R")
          ->check(number_in(0.1, 1)));
  add(app.add_option("--max-playback-rate", o.live.max_playback_rate, "fastest catch-up speed [default: 1.5]")
          ->type_name("R")
          ->check(number_in(1, 10)));
  add(app.add_option("--dvr-window-s", o.live.dvr_window_s,
                     "a player whose next segment left this window re-syncs [default: 30]")
          ->type_name("S")
          ->check(number_above(0, kMaxBufferS)));
  add(app.add_option("--max-drift-s", o.live.max_drift_s,
                     "re-sync past target latency + this, 0 = never (dash.js maxDrift) [default: 0]")
          ->type_name("S")
          ->check(number_in(0, kMaxBufferS)));
  add(app.add_option("--catchup", o.catchup,
                     "dash.js's default catch-up for controllers that set no playback rate [default: on]")
          ->type_name("on|off")
          ->check(CLI::IsMember({"on", "off"})));
  add(app.add_option("--live-throughput", o.live_throughput,
                     "what reports measure: chunk = transfer time only (dash.js low latency), naive = request to "
                     "last byte [default: chunk]")
          ->type_name("chunk|naive")
          ->check(CLI::IsMember({"chunk", "naive"})));
}

void add_sim_options(CLI::App& app, SimOptions& o) {
  app.add_option("--traces", o.traces, "network traces (cooked, Mahimahi or Sabre JSON)")
      ->required()
      ->type_name("DIR|FILE[,DIR...]");
  app.add_option("--video", o.video, "manifest directory (ladder.json + sizes/) [default: synthetic]")
      ->type_name("DIR|synthetic");
  app.add_option("--mode", o.mode, "simulator semantics [default: default]")
      ->type_name("MODE")
      ->check(CLI::IsMember({"pensieve", "default", "standard", "sabre", "live"}).description("{pensieve,default,sabre,live}"));
  app.add_option("--qoe", o.qoe, "QoE model: lin | log | hd | quality, with options [default: lin]")
      ->type_name("SPEC");
  o.segments_opt = app.add_option("--segments", o.segments,
                                  "session length in segments, at most the manifest's [default: mode's (pensieve: "
                                  "48) or all of the manifest]")
                       ->type_name("N")
                       ->check(integer_in(1, kMaxSegments));
  o.rtt_opt = app.add_option("--rtt-ms", o.rtt_ms, "round-trip time added to every download [default: 80]")
                  ->type_name("MS")
                  ->check(number_in(0, kMaxRttMs));
  o.payload_opt = app.add_option("--payload", o.payload, "share of the trace throughput carrying payload [default: 0.95]")
                      ->type_name("F")
                      ->check(number_above(0, 1));
  o.max_buffer_opt = app.add_option("--max-buffer-s", o.max_buffer_s,
                                    "the player waits while the buffer is above this [default: 60]")
                         ->type_name("S")
                         ->check(number_above(0, kMaxBufferS));
  o.startup_opt = app.add_option("--startup-s", o.startup_s,
                                 "--mode default: playback starts at this much buffer, at most --max-buffer-s "
                                 "[default: 4]")
                      ->type_name("S")
                      ->check(number_in(0, kMaxBufferS));
  o.progress_interval_opt =
      app.add_option("--progress-interval-s", o.progress_interval_s,
                     "--mode default: a download's progress events (where a controller may abandon it) come this "
                     "often, 0 = none [default: 0.1]")
          ->type_name("S")
          ->check(number_in(0, kMaxBufferS));
  app.add_option("--trace-format", o.trace_format, "trace file format [default: auto]")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"auto", "cooked", "mahimahi", "sabre"}));
  add_live_options(app, o);
}

Manifest load_video(const std::string& video) {
  if (video == "synthetic") return Manifest::synthetic_default();
  return Manifest::load(video);
}

SimConfig sim_config(const SimOptions& o, const Manifest& manifest) {
  SimConfig c = SimConfig::from_name(o.mode);
  if (given(o.rtt_opt)) c.rtt_s = o.rtt_ms / 1000.0;
  if (given(o.payload_opt)) c.payload_fraction = o.payload;
  if (given(o.max_buffer_opt)) c.max_buffer_s = o.max_buffer_s;
  if (c.mode == SimMode::sabre) {
    refuse(o.rtt_opt, "with --mode sabre (latency comes from the trace's periods)");
    refuse(o.payload_opt, "with --mode sabre (every bit of bandwidth is payload)");
  }
  if (c.mode == SimMode::pensieve || c.mode == SimMode::sabre) {
    refuse(o.startup_opt, "with --mode pensieve or sabre (playback starts with the first segment)");
  } else if (given(o.startup_opt)) {
    c.startup_threshold_s = o.startup_s;
  }
  if (c.mode != SimMode::pensieve && c.startup_threshold_s > c.max_buffer_s) {
    throw UsageError(fmt::format("--startup-s {}{} exceeds --max-buffer-s {}{}", c.startup_threshold_s,
                                 given(o.startup_opt) ? "" : " (the default)", c.max_buffer_s,
                                 given(o.max_buffer_opt) ? "" : " (the default)"));
  }
  if (c.mode == SimMode::live) {
    c.live = o.live;
    c.live.catchup = o.catchup == "on";
    c.live.chunk_aware_throughput = o.live_throughput == "chunk";
    if (c.live.chunk_s > manifest.segment_duration_s()) {
      throw UsageError(fmt::format("--chunk-s {} is longer than the video's {} s segments", c.live.chunk_s,
                                   manifest.segment_duration_s()));
    }
  } else {
    for (const CLI::Option* opt : o.live_opts) refuse(opt, "without --mode live");
  }
  if (c.mode == SimMode::pensieve) {
    refuse(o.progress_interval_opt, "with --mode pensieve (it has no progress events)");
  } else if (c.mode == SimMode::sabre) {
    refuse(o.progress_interval_opt, "with --mode sabre (it asks at Sabre's own progress steps: 12000 bits and 50 ms)");
  } else if (given(o.progress_interval_opt)) {
    c.progress_interval_s = o.progress_interval_s;
  }
  if (given(o.segments_opt)) {
    if (static_cast<std::size_t>(o.segments) > manifest.segment_count()) {
      throw UsageError(fmt::format("--segments {}: the video has only {} segments", o.segments,
                                   manifest.segment_count()));
    }
    c.segment_count = static_cast<std::size_t>(o.segments);
  }
  if (c.segment_count > manifest.segment_count()) {
    throw UsageError(fmt::format("--mode {} plays {} segments but the video has only {}: give --segments", o.mode,
                                 c.segment_count, manifest.segment_count()));
  }
  return c;
}

// "fcc-hsdpa/test" for .../fcc-hsdpa/test, else the last path component.
std::string set_name(const fs::path& path) {
  const fs::path p = path.has_filename() ? path : path.parent_path();
  const auto leaf = p.filename().string();
  if ((leaf == "test" || leaf == "train") && p.has_parent_path()) {
    return p.parent_path().filename().string() + "/" + leaf;
  }
  return leaf;
}

std::vector<TraceSet> load_sets(const SimOptions& o) {
  const TraceFormat format = parse_trace_format(o.trace_format);
  std::vector<TraceSet> sets;
  for (const auto& item : split_list(o.traces)) {
    TraceSet set{set_name(item), {}};
    for (const auto& file : list_trace_files(item)) set.traces.push_back(read_trace(file, format));
    sets.push_back(std::move(set));
  }
  return sets;
}

// Keeps every decision of the wrapped controller, for --explain.
class Recorder final : public AbrController {
 public:
  explicit Recorder(std::unique_ptr<AbrController> inner) : inner_(std::move(inner)) {}
  void on_download(const DownloadReport& r) override { inner_->on_download(r); }
  Decision decide(const PlayerState& s) override {
    Decision d = inner_->decide(s);
    decisions.emplace_back(s.next_segment, d);
    return d;
  }
  std::size_t should_abandon(const DownloadProgress& p) override { return inner_->should_abandon(p); }
  [[nodiscard]] bool may_abandon() const override { return inner_->may_abandon(); }
  double playback_rate(const PlayerState& s) override { return inner_->playback_rate(s); }
  void reset() override {
    inner_->reset();
    decisions.clear();
  }
  [[nodiscard]] std::string name() const override { return inner_->name(); }
  std::vector<std::pair<std::size_t, Decision>> decisions;

 private:
  std::unique_ptr<AbrController> inner_;
};

void print_explanation(const Recorder& recorder) {
  fmt::print("  segment  rung  buffer_s  estimate_kbps  conservative_kbps  rule  delay_s  plan  scores\n");
  for (const auto& [segment, d] : recorder.decisions) {
    fmt::print("  {:7}  {:4}  {:8.3f}  {:13.0f}  {:17.0f}  {}  {:.3f}  {}  {:.3f}\n", segment, d.rung,
               d.reasons.buffer_s, d.reasons.estimate_bps / 1000.0, d.reasons.conservative_bps / 1000.0,
               d.reasons.rule, d.delay_s, fmt::join(d.reasons.plan, ","), fmt::join(d.reasons.scores, ","));
  }
}

}  // namespace

int run_simulate(const std::vector<std::string>& argv) {
  CLI::App app("Plays one session per trace with one controller (reset between sessions) and prints a line\n"
               "per session plus the mean.",
               "streamopt simulate");
  configure(app);
  SimOptions o;
  std::string abr_spec;
  std::string log_dir;
  bool explain = false;
  app.add_option("--abr", abr_spec, "controller, e.g. bba:preset=pensieve or robust_mpc:horizon=8")
      ->required()
      ->type_name("NAME[:k=v,...]");
  add_sim_options(app, o);
  app.add_option("--log-dir", log_dir,
                 "write one Pensieve 7-column log per trace, named after the trace (all or none: a failed run "
                 "leaves no logs)")
      ->type_name("DIR");
  app.add_flag("--explain", explain, "print every decision with its reasons (estimate, rule, plan, per-rung scores)");
  if (!parse(app, argv)) return 0;

  const auto manifest = std::make_shared<const Manifest>(load_video(o.video));
  const SimConfig config = sim_config(o, *manifest);
  const QoeModel qoe(o.qoe, *manifest);
  Recorder abr(make_abr(abr_spec, manifest, o.qoe));
  const auto sets = load_sets(o);
  // Logs go to a staging directory that replaces the logs of these traces only when every session played.
  std::optional<StagedDirectory> logs;
  if (!log_dir.empty()) logs.emplace(log_dir);
  std::vector<std::string> log_names;
  fmt::print("{:<48} {:>8} {:>11} {:>12} {:>11} {:>8}\n", "trace", "segments", "QoE/segment",
             "bitrate_kbps", "rebuffer_s", "switches");
  double qoe_sum = 0;
  std::size_t sessions = 0;
  for (const auto& set : sets) {
    for (const auto& trace : set.traces) {
      const SessionResult r = simulate(trace, *manifest, abr, config, qoe);
      fmt::print("{:<48} {:>8} {:>11.6f} {:>12.0f} {:>11.3f} {:>8}\n", trace.name, r.stats.segments,
                 r.stats.qoe_per_segment, r.stats.mean_bitrate_bps / 1000.0, r.stats.rebuffer_s,
                 r.stats.switches);
      if (explain) print_explanation(abr);
      if (logs) {
        write_pensieve_log(r.segments, logs->staging() / trace.name);
        log_names.push_back(trace.name);
      }
      qoe_sum += r.stats.qoe_per_segment;
      ++sessions;
    }
  }
  if (logs) logs->commit(log_names);
  fmt::print("mean QoE/segment over {} sessions: {:.4f}\n", sessions, qoe_sum / static_cast<double>(sessions));
  return 0;
}

int run_evaluate(const std::vector<std::string>& argv) {
  CLI::App app("Runs every controller on every trace (in parallel), prints the comparison table as Markdown\n"
               "and writes the results to --out. QoE/segment is the Pensieve papers' convention: sum over\n"
               "segments 2..N / (N-1).",
               "streamopt evaluate");
  configure(app);
  SimOptions o;
  std::string abr_list = "fixed,rate,bba,bola,dynamic,mpc,robust_mpc,oracle";
  std::string out;
  long long threads = 0;
  double oracle_step = OracleOptions{}.time_step_s;
  bool logs = false;
  bool per_session = false;
  bool quiet = false;
  app.add_option("--abr", abr_list,
                 "controllers, comma-separated (options continue the preceding name); 'oracle' adds the offline "
                 "optimum, which % of oracle needs [default: every built-in controller and the oracle]")
      ->type_name("LIST");
  add_sim_options(app, o);
  auto* out_opt = app.add_option("--out", out,
                                 "write table.md, results.csv, results.json into DIR (all or none: a failed run "
                                 "leaves DIR as it was)")
                      ->type_name("DIR");
  auto* logs_opt = app.add_flag("--logs", logs, "also write per-session Pensieve logs to DIR/logs/ALGORITHM/TRACE_SET/TRACE");
  auto* per_session_opt = app.add_flag("--per-session", per_session, "also write sessions.csv, one row per session, into DIR");
  app.add_option("--threads", threads, "worker threads, 0 = all cores [default: 0]")
      ->type_name("N")
      ->check(integer_in(0, 4096));
  auto* oracle_opt = app.add_option("--oracle-time-step-s", oracle_step,
                                    "the oracle's clock grid, as oracle:time_step_s=S [default: 0.5]")
                         ->type_name("S")
                         ->check(number_in(kOracleMinTimeStepS, kOracleMaxStepS));
  app.add_flag("--quiet", quiet, "no progress on stderr (shown only on a terminal anyway)");
  if (!parse(app, argv)) return 0;
  needs(logs_opt, out_opt);
  needs(per_session_opt, out_opt);

  const Manifest manifest = load_video(o.video);
  EvaluationConfig config;
  config.sim = sim_config(o, manifest);
  config.qoe = o.qoe;
  config.algorithms = parse_spec_list(abr_list);
  if (std::none_of(config.algorithms.begin(), config.algorithms.end(),
                   [](const AlgorithmSpec& s) { return s.name == "oracle"; })) {
    refuse(oracle_opt, "without oracle in --abr");
  }
  config.oracle.time_step_s = oracle_step;
  config.threads = static_cast<unsigned>(threads);
  config.keep_segments = logs;
  // Progress overwrites one terminal line; logs and pipes get none.
  const bool progress = !quiet && isatty(fileno(stderr));
  config.progress = [progress](std::size_t done, std::size_t total) {
    if (progress && (done == total || done % 50 == 0)) {
      fmt::print(stderr, "\r{} / {} sessions", done, total);
      if (done == total) fmt::print(stderr, "\n");
    }
  };
  const auto sets = load_sets(o);
  const EvaluationResult result = evaluate(sets, manifest, config);
  const std::string table = format_markdown_table(result);
  fmt::print("{}", table);
  if (!out.empty()) {
    EvaluationWriteOptions write;
    write.sessions_csv = per_session;
    write_evaluation(result, out, write);
    fmt::print(stderr, "results written to {}\n", out);
  }
  return 0;
}

int run_list(const std::vector<std::string>& argv) {
  CLI::App app("Lists the registry's ABR controllers, congestion controllers and predictors.", "streamopt list");
  configure(app);
  if (!parse(app, argv)) return 0;
  fmt::print("ABR controllers (--abr NAME[:key=value,...]):\n");
  for (const auto& [name, summary] : Registry::builtin().abr_names()) fmt::print("  {:<12} {}\n", name, summary);
  fmt::print("  {:<12} {}\n", "oracle", "offline optimum by dynamic programming (evaluate only)");
  fmt::print("  {:<12} {}\n", "oracle_lookahead",
             "the oracle over the next segments only, replanned per segment: the imitation expert (evaluate only; "
             "horizon=16, buffer_value=0)");
  fmt::print("congestion controllers (streamopt cc --cc NAME[:key=value,...]):\n");
  for (const auto& [name, summary] : Registry::builtin().cc_names()) fmt::print("  {:<12} {}\n", name, summary);
  fmt::print("throughput predictors (predictor=NAME):\n");
  for (const auto& [name, summary] : Registry::builtin().predictor_names()) fmt::print("  {:<12} {}\n", name, summary);
  fmt::print("fetch-time predictors (mpc:ttp=NAME):\n");
  for (const auto& [name, summary] : Registry::builtin().fetch_time_names()) fmt::print("  {:<12} {}\n", name, summary);
  fmt::print("bandwidth allocators (streamopt edge simulate --allocator NAME[:key=value,...]):\n");
  for (const auto& [name, summary] : Registry::builtin().allocator_names()) fmt::print("  {:<12} {}\n", name, summary);
  return 0;
}

}  // namespace streamopt::cli
