// simulate, evaluate and list.
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "args.hpp"
#include "streamopt/streamopt.hpp"

namespace streamopt::cli {

namespace {

namespace fs = std::filesystem;

const std::set<std::string> kSimOptions = {"traces", "video", "mode", "qoe", "segments",
                                           "rtt-ms", "payload", "max-buffer-s", "startup-s",
                                           "trace-format"};

constexpr const char* kSimHelp = R"(common options:
  --traces DIR|FILE[,DIR...]  network traces (cooked, Mahimahi or Sabre JSON)      [required]
  --video DIR|synthetic       manifest directory (ladder.json + sizes/)   [default: synthetic]
  --mode pensieve|default     simulator semantics                          [default: default]
  --qoe SPEC                  lin | log | hd | quality, with options          [default: lin]
  --segments N                session length in segments       [default: mode's / manifest]
  --rtt-ms MS, --payload F, --max-buffer-s S, --startup-s S   link and player overrides
  --trace-format auto|cooked|mahimahi|sabre                                [default: auto]
)";

Manifest load_video(const std::string& video) {
  if (video == "synthetic") return Manifest::synthetic_default();
  return Manifest::load(video);
}

SimConfig sim_config(const Args& a) {
  SimConfig c = SimConfig::from_name(a.get("mode", "default"));
  c.rtt_s = a.get_double("rtt-ms", c.rtt_s * 1000.0) / 1000.0;
  c.payload_fraction = a.get_double("payload", c.payload_fraction);
  c.max_buffer_s = a.get_double("max-buffer-s", c.max_buffer_s);
  c.startup_threshold_s = a.get_double("startup-s", c.startup_threshold_s);
  const long segments = a.get_int("segments", static_cast<long>(c.segment_count));
  if (segments < 0) throw Error("--segments must be >= 0");
  c.segment_count = static_cast<std::size_t>(segments);
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

std::vector<TraceSet> load_sets(const Args& a) {
  const TraceFormat format = parse_trace_format(a.get("trace-format", "auto"));
  std::vector<TraceSet> sets;
  for (const auto& item : split_list(a.required("traces"))) {
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
  fmt::print("  segment  rung  buffer_s  estimate_kbps  conservative_kbps  rule  delay_s  plan\n");
  for (const auto& [segment, d] : recorder.decisions) {
    fmt::print("  {:7}  {:4}  {:8.3f}  {:13.0f}  {:17.0f}  {}  {:.3f}  {}\n", segment, d.rung,
               d.reasons.buffer_s, d.reasons.estimate_bps / 1000.0, d.reasons.conservative_bps / 1000.0,
               d.reasons.rule, d.delay_s, fmt::join(d.reasons.plan, ","));
  }
}

}  // namespace

int run_simulate(const std::vector<std::string>& argv) {
  auto valued = kSimOptions;
  valued.insert({"abr", "log-dir"});
  const Args a(argv, valued, {"help", "explain"});
  if (a.has("help")) {
    fmt::print(R"(usage: streamopt simulate --abr NAME[:k=v,...] --traces DIR|FILE [options]

Plays one session per trace and prints a line per session plus the mean.
  --abr SPEC        controller, e.g. bba:preset=pensieve or robust_mpc:horizon=8  [required]
  --log-dir DIR     write one Pensieve 7-column log per trace, named after the trace
  --explain         print every decision with its reasons (estimate, rule, plan)
{})",
               kSimHelp);
    return 0;
  }
  if (!a.positional().empty()) throw Error(fmt::format("unexpected argument '{}'", a.positional().front()));
  const Manifest manifest = load_video(a.get("video", "synthetic"));
  const SimConfig config = sim_config(a);
  const QoeModel qoe(a.get("qoe", "lin"), manifest);
  Recorder abr(make_abr(a.required("abr"), manifest));
  const auto sets = load_sets(a);
  const std::string log_dir = a.get("log-dir", "");
  if (!log_dir.empty()) fs::create_directories(log_dir);
  fmt::print("{:<48} {:>8} {:>11} {:>12} {:>11} {:>8}\n", "trace", "segments", "QoE/segment",
             "bitrate_kbps", "rebuffer_s", "switches");
  double qoe_sum = 0;
  std::size_t sessions = 0;
  for (const auto& set : sets) {
    for (const auto& trace : set.traces) {
      const SessionResult r = simulate(trace, manifest, abr, config, qoe);
      fmt::print("{:<48} {:>8} {:>11.6f} {:>12.0f} {:>11.3f} {:>8}\n", trace.name, r.stats.segments,
                 r.stats.qoe_per_segment, r.stats.mean_bitrate_bps / 1000.0, r.stats.rebuffer_s,
                 r.stats.switches);
      if (a.has("explain")) print_explanation(abr);
      if (!log_dir.empty()) write_pensieve_log(r.segments, fs::path(log_dir) / trace.name);
      qoe_sum += r.stats.qoe_per_segment;
      ++sessions;
    }
  }
  fmt::print("mean QoE/segment over {} sessions: {:.4f}\n", sessions, qoe_sum / static_cast<double>(sessions));
  return 0;
}

int run_evaluate(const std::vector<std::string>& argv) {
  auto valued = kSimOptions;
  valued.insert({"abr", "out", "threads", "oracle-time-step-s"});
  const Args a(argv, valued, {"help", "logs", "quiet"});
  if (a.has("help")) {
    fmt::print(R"(usage: streamopt evaluate --abr a,b,... --traces DIR[,DIR] [options]

Runs every controller on every trace (in parallel), prints the comparison
table as Markdown and writes results.csv, results.json (and logs) to --out.
QoE/segment is the Pensieve papers' convention: sum over segments 2..N / (N-1).
  --abr LIST        controllers; 'oracle' adds the offline optimum (needed for % of oracle)
                    [default: all built-in controllers and the oracle]
  --out DIR         write results.csv, results.json, table.md
  --logs            also write per-session Pensieve logs to OUT/logs/ALGORITHM/TRACE
  --threads N       worker threads [default: all cores]
  --quiet           no progress on stderr (shown only on a terminal anyway)
{})",
               kSimHelp);
    return 0;
  }
  if (!a.positional().empty()) throw Error(fmt::format("unexpected argument '{}'", a.positional().front()));
  const Manifest manifest = load_video(a.get("video", "synthetic"));
  EvaluationConfig config;
  config.sim = sim_config(a);
  config.qoe = a.get("qoe", "lin");
  config.algorithms = parse_spec_list(
      a.get("abr", "fixed,rate,bba,bola,dynamic,mpc,robust_mpc,oracle"));
  const long threads = a.get_int("threads", 0);
  if (threads < 0) throw Error("--threads must be >= 0");
  config.threads = static_cast<unsigned>(threads);
  const std::string out = a.get("out", "");
  config.keep_segments = a.has("logs");
  if (config.keep_segments && out.empty()) throw Error("--logs needs --out");
  // Progress overwrites one terminal line; logs and pipes get none.
  const bool progress = !a.has("quiet") && isatty(fileno(stderr));
  config.progress = [progress](std::size_t done, std::size_t total) {
    if (progress && (done == total || done % 50 == 0)) {
      fmt::print(stderr, "\r{} / {} sessions", done, total);
      if (done == total) fmt::print(stderr, "\n");
    }
  };
  const auto sets = load_sets(a);
  const EvaluationResult result = evaluate(sets, manifest, config);
  const std::string table = format_markdown_table(result);
  fmt::print("{}", table);
  if (!out.empty()) {
    write_evaluation(result, out);
    fmt::print(stderr, "results written to {}\n", out);
  }
  return 0;
}

int run_list(const std::vector<std::string>& argv) {
  const Args a(argv, {}, {"help"});
  if (a.has("help")) {
    fmt::print("usage: streamopt list\n\nLists the registry's ABR controllers, congestion controllers and predictors.\n");
    return 0;
  }
  fmt::print("ABR controllers (--abr NAME[:key=value,...]):\n");
  for (const auto& [name, summary] : Registry::builtin().abr_names()) fmt::print("  {:<12} {}\n", name, summary);
  fmt::print("  {:<12} {}\n", "oracle", "offline optimum by dynamic programming (evaluate only)");
  fmt::print("congestion controllers (streamopt cc --cc NAME[:key=value,...]):\n");
  for (const auto& [name, summary] : Registry::builtin().cc_names()) fmt::print("  {:<12} {}\n", name, summary);
  fmt::print("throughput predictors (predictor=NAME):\n");
  for (const auto& [name, summary] : Registry::builtin().predictor_names()) fmt::print("  {:<12} {}\n", name, summary);
  return 0;
}

}  // namespace streamopt::cli
