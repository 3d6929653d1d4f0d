// streamopt edge simulate: many players sharing one bottleneck, under each
// bandwidth allocator, over every trace given (docs/edge.md).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "args.hpp"
#include "core/text_io.hpp"
#include "streamopt/edge_sim.hpp"
#include "streamopt/evaluate.hpp"
#include "streamopt/streamopt.hpp"

namespace streamopt::cli {

namespace {

// One run of the grid: a trace under one allocator, with or without priors.
struct Job {
  std::size_t trace = 0;
  std::string allocator;
  bool priors = false;
  EdgeRunResult result;
};

// One (allocator, priors) row: its runs and the mean of their summaries.
struct Row {
  std::string allocator;
  bool priors = false;
  std::vector<const Job*> runs;
  double finished_sessions = 0;  // mean finished sessions per run
  EdgeSummary mean;              // every other field: the mean over the runs
};

// Mean of `field` over `runs`.
template <class F>
double mean_over(const std::vector<const Job*>& runs, F field) {
  double sum = 0;
  for (const Job* j : runs) sum += field(j->result.summary);
  return runs.empty() ? 0.0 : sum / static_cast<double>(runs.size());
}

std::vector<Row> rows_of(const std::vector<Job>& jobs) {
  std::vector<Row> rows;
  for (const auto& j : jobs) {
    auto it = std::find_if(rows.begin(), rows.end(),
                           [&](const Row& r) { return r.allocator == j.allocator && r.priors == j.priors; });
    if (it == rows.end()) {
      rows.push_back({j.allocator, j.priors, {}, 0.0, {}});
      it = rows.end() - 1;
    }
    it->runs.push_back(&j);
  }
  for (auto& r : rows) {
    const auto& runs = r.runs;
    r.finished_sessions = mean_over(runs, [](const EdgeSummary& e) { return static_cast<double>(e.sessions); });
    r.mean.min_qoe = mean_over(runs, [](const EdgeSummary& e) { return e.min_qoe; });
    r.mean.p10_qoe = mean_over(runs, [](const EdgeSummary& e) { return e.p10_qoe; });
    r.mean.mean_qoe = mean_over(runs, [](const EdgeSummary& e) { return e.mean_qoe; });
    r.mean.jain_qoe = mean_over(runs, [](const EdgeSummary& e) { return e.jain_qoe; });
    r.mean.rebuffer_ratio = mean_over(runs, [](const EdgeSummary& e) { return e.rebuffer_ratio; });
    r.mean.utilisation = mean_over(runs, [](const EdgeSummary& e) { return e.utilisation; });
    r.mean.mean_switches = mean_over(runs, [](const EdgeSummary& e) { return e.mean_switches; });
    r.mean.mean_bitrate_bps = mean_over(runs, [](const EdgeSummary& e) { return e.mean_bitrate_bps; });
    r.mean.startup_qoe = mean_over(runs, [](const EdgeSummary& e) { return e.startup_qoe; });
  }
  return rows;
}

std::string allocation_csv(const std::vector<Row>& rows, std::size_t slots) {
  std::string out =
      "allocator,priors,sessions,runs,finished_sessions,min_qoe,p10_qoe,mean_qoe,jain_qoe,rebuffer_ratio,"
      "utilisation,mean_switches,mean_bitrate_bps,startup_qoe\n";
  for (const auto& r : rows) {
    out += fmt::format("{},{},{},{},{:.1f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{:.4f},{:.1f},{:.6f}\n",
                       detail::csv_quote(r.allocator), r.priors ? "on" : "off", slots, r.runs.size(),
                       r.finished_sessions, r.mean.min_qoe, r.mean.p10_qoe, r.mean.mean_qoe, r.mean.jain_qoe,
                       r.mean.rebuffer_ratio, r.mean.utilisation, r.mean.mean_switches, r.mean.mean_bitrate_bps,
                       r.mean.startup_qoe);
  }
  return out;
}

std::string allocation_table(const std::vector<Row>& rows, std::size_t slots, std::size_t traces) {
  std::string out = fmt::format(
      "{} sessions sharing one link, mean over {} trace(s)\n\n"
      "| allocator | priors | min QoE | p10 QoE | mean QoE | Jain | rebuffer % | utilisation % | switches | "
      "start-up QoE |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      slots, traces);
  for (const auto& r : rows) {
    out += fmt::format("| {} | {} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.2f} | {:.1f} | {:.1f} | {:.3f} |\n",
                       r.allocator, r.priors ? "on" : "off", r.mean.min_qoe, r.mean.p10_qoe, r.mean.mean_qoe,
                       r.mean.jain_qoe, 100 * r.mean.rebuffer_ratio, 100 * r.mean.utilisation, r.mean.mean_switches,
                       r.mean.startup_qoe);
  }
  return out;
}

std::string sessions_csv(const std::vector<Job>& jobs) {
  std::string out =
      "allocator,priors,trace,id,slot,title,abr,phone,max_rung,arrival_s,departure_s,rtt_s,segments,qoe_per_segment,"
      "startup_qoe,mean_bitrate_bps,rebuffer_s,switches\n";
  for (const auto& j : jobs) {
    for (const auto& s : j.result.sessions) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{:.3f},{:.3f},{:.4f},{},{:.6f},{:.6f},{:.1f},{:.4f},{}\n",
                         detail::csv_quote(j.allocator), j.priors ? "on" : "off", detail::csv_quote(j.result.trace),
                         s.id, s.slot, detail::csv_quote(s.title), detail::csv_quote(s.abr),
                         s.phone ? 1 : 0, s.max_rung, s.arrival_s, s.departure_s, s.rtt_s, s.stats.segments,
                         s.stats.qoe_per_segment, s.startup_qoe, s.stats.mean_bitrate_bps, s.stats.rebuffer_s,
                         s.stats.switches);
    }
  }
  return out;
}

std::string timeseries_csv(const std::vector<Job>& jobs) {
  std::string out =
      "allocator,priors,trace,time_s,active_sessions,downloading,stalled,capacity_bps,delivered_bps,mean_buffer_s\n";
  for (const auto& j : jobs) {
    for (const auto& s : j.result.samples) {
      out += fmt::format("{},{},{},{:.3f},{},{},{},{:.1f},{:.1f},{:.3f}\n", detail::csv_quote(j.allocator),
                         j.priors ? "on" : "off", detail::csv_quote(j.result.trace), s.time_s, s.active_sessions, s.downloading, s.stalled, s.capacity_bps,
                         s.delivered_bps, s.mean_buffer_s);
    }
  }
  return out;
}

// Runs every job on `threads` workers; the first error stops the rest and is rethrown.
void run_jobs(std::vector<Job>& jobs, const std::vector<NetworkTrace>& traces,
              const std::vector<std::shared_ptr<const Manifest>>& titles, const EdgeSimConfig& config,
              unsigned threads, bool progress) {
  std::atomic<std::size_t> next{0}, done{0};
  std::exception_ptr error;
  std::mutex mutex;
  const auto worker = [&] {
    for (;;) {
      const std::size_t i = next++;
      if (i >= jobs.size()) return;
      {
        std::lock_guard lock(mutex);
        if (error) return;
      }
      try {
        EdgeSimConfig c = config;
        c.priors = jobs[i].priors;
        jobs[i].result = simulate_edge(traces[jobs[i].trace], titles, jobs[i].allocator, c);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!error) error = std::current_exception();
        return;
      }
      const std::size_t d = ++done;
      if (progress) {
        std::lock_guard lock(mutex);
        fmt::print(stderr, "\r{} / {} runs", d, jobs.size());
        if (d == jobs.size()) fmt::print(stderr, "\n");
      }
    }
  };
  const unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(jobs.size())));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

int run_edge(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "simulate") {
    if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h")) {
      fmt::print("usage: streamopt edge simulate [options]   (streamopt edge simulate --help)\n");
      return 0;
    }
    throw UsageError("expected 'edge simulate' (streamopt edge simulate --help)");
  }
  CLI::App app(
      "Simulates many players sharing one bottleneck that follows each trace, under each bandwidth allocator, and "
      "writes allocation.csv, allocation.md, sessions.csv and timeseries.csv.",
      "streamopt edge simulate");
  configure(app);
  EdgeSimConfig config;
  std::string traces_arg, videos = "synthetic", allocators = "none,equal,proportional,maxmin,qoe_fair,utility";
  std::string out, trace_format = "auto", priors = "off", sharing = "fluid";
  double queue_ms = config.queue_limit_s * 1000;
  long long sessions = 10, seed = 1, max_traces = 0, threads = 0;
  double min_rtt_ms = config.min_rtt_s * 1000, max_rtt_ms = config.max_rtt_s * 1000;
  bool quiet = false;
  app.add_option("--traces", traces_arg, "trace files or directories, comma-separated (each trace is one run)")
      ->type_name("DIR")
      ->required();
  app.add_option("--video", videos,
                 "titles, comma-separated: manifest directories, Sabre movie.json files or 'synthetic'; sessions "
                 "cycle through them [default: synthetic]")
      ->type_name("DIR[,DIR]");
  app.add_option("--sessions", sessions, "player slots: about this many sessions at once [default: 10]")
      ->type_name("N")
      ->check(integer_in(1, static_cast<long long>(kMaxEdgeSessions)));
  app.add_option("--allocator", allocators, "allocators, comma-separated (options continue the preceding name) "
                                            "[default: all six]")
      ->type_name("LIST");
  app.add_option("--abr", config.abr,
                 "the players' controllers: one spec, or a list the player slots cycle through [default: robust_mpc]")
      ->type_name("LIST");
  app.add_option("--qoe", config.qoe, "QoE model [default: lin]")->type_name("SPEC");
  app.add_option("--seed", seed, "seed of arrivals, watch lengths, phones and RTTs [default: 1]")
      ->type_name("S")
      ->check(integer_in(0, std::numeric_limits<long long>::max()));
  app.add_option("--capacity-scale", config.capacity_scale,
                 "trace throughput multiplier; 0 = --sessions, so each session's fair share has the trace's mean "
                 "[default: 0]")
      ->type_name("X")
      ->check(number_in(0, 1e9));
  app.add_option("--duration-s", config.duration_s, "no session arrives after this [default: 600]")
      ->type_name("S")
      ->check(number_in(0, 1e7));
  app.add_option("--mean-watch-s", config.mean_watch_s, "mean media watched per session [default: 120]")
      ->type_name("S")
      ->check(number_above(0, 1e7));
  app.add_option("--mean-gap-s", config.mean_gap_s, "mean idle time between a slot's sessions [default: 10]")
      ->type_name("S")
      ->check(number_in(0, 1e7));
  app.add_option("--phone-share", config.phone_share, "share of sessions capped at a phone-sized rung [default: 0.3]")
      ->type_name("F")
      ->check(number_in(0, 1));
  app.add_option("--min-rtt-ms", min_rtt_ms, "lowest per-session RTT [default: 40]")->type_name("MS")->check(number_in(0, 10000));
  app.add_option("--max-rtt-ms", max_rtt_ms, "highest per-session RTT [default: 120]")->type_name("MS")->check(number_in(0, 10000));
  app.add_option("--max-buffer-s", config.max_buffer_s, "players wait while their buffer is above this [default: 30]")
      ->type_name("S")
      ->check(number_above(0, 3600));
  app.add_option("--sharing", sharing,
                 "bottleneck model: fluid (fair shares, fast) or packet (TCP-like flows through a queue, for small "
                 "--sessions) [default: fluid]")
      ->type_name("MODEL")
      ->check(CLI::IsMember({"fluid", "packet"}));
  auto* queue_opt = app.add_option("--queue-ms", queue_ms, "--sharing packet: the queue's delay limit [default: 100]")
                        ->type_name("MS")
                        ->check(number_in(1, 10000));
  app.add_option("--realloc-s", config.realloc_interval_s, "reallocation interval [default: 2]")
      ->type_name("S")
      ->check(number_above(0, 3600));
  app.add_option("--priors", priors, "cross-session throughput priors for new sessions: off, on or both [default: off]")
      ->type_name("MODE")
      ->check(CLI::IsMember({"off", "on", "both"}));
  app.add_option("--max-traces", max_traces, "use only the first N traces, 0 = all [default: 0]")
      ->type_name("N")
      ->check(integer_in(0, 1000000));
  app.add_option("--threads", threads, "worker threads, 0 = all cores [default: 0]")->type_name("N")->check(integer_in(0, 4096));
  app.add_option("--trace-format", trace_format, "trace file format [default: auto]")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"auto", "cooked", "mahimahi", "sabre"}));
  app.add_option("--out", out, "write the results into DIR (all or none)")->type_name("DIR");
  app.add_flag("--quiet", quiet, "no progress on stderr (shown only on a terminal anyway)");
  if (!parse(app, std::vector<std::string>(argv.begin() + 1, argv.end()))) return 0;
  if (min_rtt_ms > max_rtt_ms) throw UsageError(fmt::format("--min-rtt-ms {} exceeds --max-rtt-ms {}", min_rtt_ms, max_rtt_ms));
  if (sharing != "packet") refuse(queue_opt, "without --sharing packet");
  config.sharing = sharing == "packet" ? EdgeSharing::packet : EdgeSharing::fluid;
  config.queue_limit_s = queue_ms / 1000;
  config.sessions = static_cast<std::size_t>(sessions);
  config.seed = static_cast<std::uint64_t>(seed);
  config.min_rtt_s = min_rtt_ms / 1000;
  config.max_rtt_s = max_rtt_ms / 1000;
  config.validate();

  std::vector<std::shared_ptr<const Manifest>> titles;
  for (const auto& v : split_list(videos)) {
    titles.push_back(std::make_shared<const Manifest>(v == "synthetic" ? Manifest::synthetic_default()
                                                                       : Manifest::load(v)));
  }
  const TraceFormat format = parse_trace_format(trace_format);
  std::vector<NetworkTrace> traces;
  for (const auto& item : split_list(traces_arg)) {
    for (const auto& file : list_trace_files(item)) {
      if (max_traces > 0 && traces.size() >= static_cast<std::size_t>(max_traces)) break;
      traces.push_back(read_trace(file, format));
    }
  }
  std::vector<Job> jobs;
  std::vector<std::string> specs;
  for (const auto& spec : parse_spec_list(allocators)) {
    specs.push_back(spec.to_string());
    (void)Registry::builtin().make_allocator(specs.back());  // a bad spec fails before any run
  }
  for (const auto& spec : specs) {
    for (bool with_priors : {false, true}) {
      if ((with_priors && priors == "off") || (!with_priors && priors == "on")) continue;
      for (std::size_t t = 0; t < traces.size(); ++t) jobs.push_back({t, spec, with_priors, {}});
    }
  }
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  run_jobs(jobs, traces, titles, config, threads > 0 ? static_cast<unsigned>(threads) : hw,
           !quiet && isatty(fileno(stderr)));

  const auto rows = rows_of(jobs);
  const std::string table = allocation_table(rows, config.sessions, traces.size());
  fmt::print("{}", table);
  if (!out.empty()) {
    StagedDirectory dir(out);
    detail::write_file_atomic(dir.staging() / "allocation.csv", allocation_csv(rows, config.sessions));
    detail::write_file_atomic(dir.staging() / "allocation.md", table);
    detail::write_file_atomic(dir.staging() / "sessions.csv", sessions_csv(jobs));
    detail::write_file_atomic(dir.staging() / "timeseries.csv", timeseries_csv(jobs));
    dir.commit({"allocation.csv", "allocation.md", "sessions.csv", "timeseries.csv"});
    fmt::print(stderr, "results written to {}\n", out);
  }
  return 0;
}

}  // namespace streamopt::cli
