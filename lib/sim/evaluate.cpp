#include "streamopt/evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"
#include "streamopt/stats.hpp"

namespace streamopt {

namespace {

bool is_oracle(const AlgorithmSpec& spec) { return spec.name == "oracle"; }
// The lookahead oracle (the imitation trainer's expert) as a controller.
bool is_lookahead_oracle(const AlgorithmSpec& spec) { return spec.name == "oracle_lookahead"; }

LookaheadOptions lookahead_options(const AlgorithmSpec& spec) {
  OptionMap o(spec.name, spec.options.values());
  LookaheadOptions out;
  out.horizon_segments = static_cast<std::size_t>(
      o.get_int("horizon", static_cast<std::int64_t>(out.horizon_segments)));
  out.terminal_value_per_buffer_s = o.get_double("buffer_value", out.terminal_value_per_buffer_s);
  if (out.horizon_segments > 100000) throw Error("oracle_lookahead: horizon must be 0 to 100000");
  if (!(out.terminal_value_per_buffer_s >= 0 && out.terminal_value_per_buffer_s <= 100)) {
    throw Error("oracle_lookahead: buffer_value must be in [0, 100]");
  }
  return out;
}

// The DP grid of an oracle spec (the lookahead oracle also reads `horizon`
// and `buffer_value`).
OracleOptions oracle_options(const AlgorithmSpec& spec, const OracleOptions& defaults) {
  OptionMap o(spec.name, spec.options.values());
  OracleOptions out = defaults;
  out.time_step_s = o.get_double("time_step_s", defaults.time_step_s);
  out.buffer_step_s = o.get_double("buffer_step_s", defaults.buffer_step_s);
  if (is_lookahead_oracle(spec)) {
    (void)o.get_int("horizon", 0);
    (void)o.get_double("buffer_value", 0);
  }
  o.check_all_used();
  if (!(out.time_step_s >= kOracleMinTimeStepS && out.time_step_s <= kOracleMaxStepS)) {
    throw Error(fmt::format("oracle: time_step_s {} is out of range [{}, {}]", out.time_step_s, kOracleMinTimeStepS,
                            kOracleMaxStepS));
  }
  if (!(out.buffer_step_s >= kOracleMinBufferStepS && out.buffer_step_s <= kOracleMaxStepS)) {
    throw Error(fmt::format("oracle: buffer_step_s {} is out of range [{}, {}]", out.buffer_step_s,
                            kOracleMinBufferStepS, kOracleMaxStepS));
  }
  return out;
}

}  // namespace

EvaluationResult evaluate(const std::vector<TraceSet>& sets, const Manifest& manifest,
                          const EvaluationConfig& config) {
  const Registry& registry = config.registry ? *config.registry : Registry::builtin();
  if (config.algorithms.empty()) throw Error("evaluate: no algorithms given");
  const QoeModel qoe(config.qoe, manifest);
  // One copy of the manifest shared by every controller built (none copies it per session).
  const auto shared_manifest = std::make_shared<const Manifest>(manifest);
  const BuildContext context(registry, shared_manifest, config.qoe);
  // Fail fast on unknown names or options, before any work.
  for (const auto& spec : config.algorithms) {
    if (is_oracle(spec)) {
      (void)oracle_options(spec, config.oracle);
    } else if (is_lookahead_oracle(spec)) {
      (void)oracle_options(spec, kLookaheadOracleGrid);
      (void)lookahead_options(spec);
    } else {
      (void)registry.make_abr(spec, context);
    }
  }
  for (const auto& set : sets) {
    for (const auto& trace : set.traces) validate_trace(trace);
  }

  struct Job {
    std::size_t algorithm;
    std::size_t set;
    std::size_t trace;
  };
  std::vector<Job> jobs;
  for (std::size_t a = 0; a < config.algorithms.size(); ++a) {
    for (std::size_t s = 0; s < sets.size(); ++s) {
      for (std::size_t t = 0; t < sets[s].traces.size(); ++t) jobs.push_back({a, s, t});
    }
  }
  EvaluationResult result;
  result.sessions.resize(jobs.size());
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto worker = [&] {
    while (!failed) {
      const std::size_t i = next++;
      if (i >= jobs.size()) return;
      const Job& job = jobs[i];
      try {
        const auto& spec = config.algorithms[job.algorithm];
        const auto& trace = sets[job.set].traces[job.trace];
        SessionResult session;
        if (is_oracle(spec)) {
          session = solve_oracle(trace, manifest, config.sim, qoe, oracle_options(spec, config.oracle)).session;
        } else if (is_lookahead_oracle(spec)) {
          session = simulate_lookahead_oracle(trace, manifest, config.sim, qoe, lookahead_options(spec),
                                              oracle_options(spec, kLookaheadOracleGrid));
        } else {
          auto abr = registry.make_abr(spec, context);
          session = simulate(trace, manifest, *abr, config.sim, qoe);
        }
        auto& out = result.sessions[i];
        out.algorithm = spec.to_string();
        out.trace_set = sets[job.set].name;
        out.trace = trace.name;
        out.stats = session.stats;
        if (config.keep_segments) out.segments = std::move(session.segments);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
      const std::size_t finished = ++done;
      if (config.progress) config.progress(finished, jobs.size());
    }
  };
  unsigned threads = config.threads ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, jobs.size())));
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);

  // Aggregate per (algorithm, set); oracle means per set for "% of oracle".
  std::vector<double> oracle_mean(sets.size(), std::nan(""));
  for (std::size_t a = 0; a < config.algorithms.size(); ++a) {
    if (!is_oracle(config.algorithms[a])) continue;
    for (std::size_t s = 0; s < sets.size(); ++s) {
      double sum = 0;
      std::size_t n = 0;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].algorithm == a && jobs[i].set == s) {
          sum += result.sessions[i].stats.qoe_sum_pensieve;
          ++n;
        }
      }
      if (n) oracle_mean[s] = sum / static_cast<double>(n);
    }
    break;
  }
  for (std::size_t a = 0; a < config.algorithms.size(); ++a) {
    for (std::size_t s = 0; s < sets.size(); ++s) {
      AggregateRow row;
      row.algorithm = config.algorithms[a].to_string();
      row.trace_set = sets[s].name;
      std::vector<double> session_qoe;
      double qoe_sum = 0;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].algorithm != a || jobs[i].set != s) continue;
        const auto& st = result.sessions[i].stats;
        session_qoe.push_back(st.qoe_sum_pensieve);
        qoe_sum += st.qoe_sum_pensieve;
        row.qoe_per_segment += st.qoe_per_segment;
        row.utility_per_segment += st.utility_per_segment;
        row.rebuffer_penalty_per_segment += st.rebuffer_penalty_per_segment;
        row.smoothness_penalty_per_segment += st.smoothness_penalty_per_segment;
        row.mean_bitrate_bps += st.mean_bitrate_bps;
        row.rebuffer_ratio += st.rebuffer_ratio;
        row.switches += static_cast<double>(st.switches);
        row.live = row.live || st.live;
        row.live_latency_mean_s += st.live_latency_mean_s;
        row.live_latency_p95_s += st.live_latency_p95_s;
        row.time_at_target += st.time_at_target;
        row.playback_rate_changes += static_cast<double>(st.playback_rate_changes);
        row.resyncs += static_cast<double>(st.resyncs);
      }
      row.sessions = session_qoe.size();
      if (row.sessions) {
        const double n = static_cast<double>(row.sessions);
        row.qoe_per_segment /= n;
        row.utility_per_segment /= n;
        row.rebuffer_penalty_per_segment /= n;
        row.smoothness_penalty_per_segment /= n;
        row.mean_bitrate_bps /= n;
        row.rebuffer_ratio /= n;
        row.switches /= n;
        row.live_latency_mean_s /= n;
        row.live_latency_p95_s /= n;
        row.time_at_target /= n;
        row.playback_rate_changes /= n;
        row.resyncs /= n;
        const double oracle = oracle_mean[s];
        row.percent_of_oracle = oracle > 0 ? 100.0 * (qoe_sum / n) / oracle : std::nan("");
      }
      row.p10_session_qoe = stats::percentile(session_qoe, 0.10);
      row.p50_session_qoe = stats::percentile(session_qoe, 0.50);
      row.p90_session_qoe = stats::percentile(session_qoe, 0.90);
      result.rows.push_back(row);
    }
  }
  return result;
}

namespace {

std::string number(double v, int digits) {
  return std::isnan(v) ? std::string("n/a") : fmt::format("{:.{}f}", v, digits);
}

// A CSV text field: always quoted, a quote doubled.
using detail::csv_quote;

bool any_live(const EvaluationResult& result) {
  return std::any_of(result.rows.begin(), result.rows.end(), [](const AggregateRow& r) { return r.live; });
}

}  // namespace

std::string format_markdown_table(const EvaluationResult& result) {
  std::string out =
      "| algorithm | traces | sessions | QoE/segment | utility | rebuffer pen. | smoothness pen. | "
      "% of oracle | p10 session | p50 session | p90 session | bitrate kbps | rebuffer % | switches |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : result.rows) {
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                       r.algorithm, r.trace_set, r.sessions, number(r.qoe_per_segment, 4),
                       number(r.utility_per_segment, 3), number(r.rebuffer_penalty_per_segment, 3),
                       number(r.smoothness_penalty_per_segment, 3), number(r.percent_of_oracle, 1),
                       number(r.p10_session_qoe, 2), number(r.p50_session_qoe, 2),
                       number(r.p90_session_qoe, 2), number(r.mean_bitrate_bps / 1000.0, 0),
                       number(100.0 * r.rebuffer_ratio, 2), number(r.switches, 1));
  }
  if (any_live(result)) {
    out += "\n| algorithm | traces | latency mean s | latency p95 s | time at target % | rate changes | re-syncs |\n"
           "|---|---|---:|---:|---:|---:|---:|\n";
    for (const auto& r : result.rows) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", r.algorithm, r.trace_set,
                         number(r.live_latency_mean_s, 2), number(r.live_latency_p95_s, 2),
                         number(100.0 * r.time_at_target, 1), number(r.playback_rate_changes, 1),
                         number(r.resyncs, 2));
    }
  }
  return out;
}

std::string format_csv(const EvaluationResult& result) {
  std::string out =
      "algorithm,trace_set,sessions,qoe_per_segment,utility_per_segment,rebuffer_penalty_per_segment,"
      "smoothness_penalty_per_segment,percent_of_oracle,p10_session_qoe,p50_session_qoe,"
      "p90_session_qoe,mean_bitrate_bps,rebuffer_ratio,switches";
  const bool live = any_live(result);
  out += live ? ",live_latency_mean_s,live_latency_p95_s,time_at_target,playback_rate_changes,resyncs\n" : "\n";
  for (const auto& r : result.rows) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}", csv_quote(r.algorithm), csv_quote(r.trace_set),
                       r.sessions, r.qoe_per_segment, r.utility_per_segment, r.rebuffer_penalty_per_segment,
                       r.smoothness_penalty_per_segment, r.percent_of_oracle, r.p10_session_qoe,
                       r.p50_session_qoe, r.p90_session_qoe, r.mean_bitrate_bps, r.rebuffer_ratio,
                       r.switches);
    out += live ? fmt::format(",{},{},{},{},{}\n", r.live_latency_mean_s, r.live_latency_p95_s, r.time_at_target,
                              r.playback_rate_changes, r.resyncs)
                : "\n";
  }
  return out;
}

std::string format_json(const EvaluationResult& result) {
  const auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  nlohmann::json doc;
  doc["rows"] = nlohmann::json::array();
  for (const auto& r : result.rows) {
    doc["rows"].push_back({{"algorithm", r.algorithm},
                           {"trace_set", r.trace_set},
                           {"sessions", r.sessions},
                           {"qoe_per_segment", num(r.qoe_per_segment)},
                           {"utility_per_segment", num(r.utility_per_segment)},
                           {"rebuffer_penalty_per_segment", num(r.rebuffer_penalty_per_segment)},
                           {"smoothness_penalty_per_segment", num(r.smoothness_penalty_per_segment)},
                           {"percent_of_oracle", num(r.percent_of_oracle)},
                           {"p10_session_qoe", num(r.p10_session_qoe)},
                           {"p50_session_qoe", num(r.p50_session_qoe)},
                           {"p90_session_qoe", num(r.p90_session_qoe)},
                           {"mean_bitrate_bps", num(r.mean_bitrate_bps)},
                           {"rebuffer_ratio", num(r.rebuffer_ratio)},
                           {"switches", num(r.switches)}});
    if (r.live) {
      auto& row = doc["rows"].back();
      row["live_latency_mean_s"] = num(r.live_latency_mean_s);
      row["live_latency_p95_s"] = num(r.live_latency_p95_s);
      row["time_at_target"] = num(r.time_at_target);
      row["playback_rate_changes"] = num(r.playback_rate_changes);
      row["resyncs"] = num(r.resyncs);
    }
  }
  doc["sessions"] = nlohmann::json::array();
  for (const auto& s : result.sessions) {
    const auto& st = s.stats;
    doc["sessions"].push_back({{"algorithm", s.algorithm},
                               {"trace_set", s.trace_set},
                               {"trace", s.trace},
                               {"segments", st.segments},
                               {"qoe_sum", st.qoe_sum},
                               {"qoe_sum_pensieve", st.qoe_sum_pensieve},
                               {"qoe_per_segment", st.qoe_per_segment},
                               {"mean_bitrate_bps", st.mean_bitrate_bps},
                               {"rebuffer_s", st.rebuffer_s},
                               {"rebuffer_ratio", st.rebuffer_ratio},
                               {"startup_delay_s", st.startup_delay_s},
                               {"switches", st.switches},
                               {"mean_switch_bps", st.mean_switch_bps}});
    if (st.live) {
      auto& session = doc["sessions"].back();
      session["live_latency_mean_s"] = st.live_latency_mean_s;
      session["live_latency_p95_s"] = st.live_latency_p95_s;
      session["time_at_target"] = st.time_at_target;
      session["playback_rate_changes"] = st.playback_rate_changes;
      session["resyncs"] = st.resyncs;
    }
  }
  return doc.dump(1) + "\n";
}

std::string format_sessions_csv(const EvaluationResult& result) {
  std::string out =
      "trace_set,trace,algorithm,segments,qoe_per_segment,mean_bitrate_bps,rebuffer_s,rebuffer_ratio,switches,"
      "startup_s";
  const bool live = any_live(result);
  out += live ? ",live_latency_mean_s,live_latency_p95_s,time_at_target,playback_rate_changes,resyncs\n" : "\n";
  for (const auto& s : result.sessions) {
    const auto& st = s.stats;
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}", csv_quote(s.trace_set), csv_quote(s.trace), csv_quote(s.algorithm),
                       st.segments, st.qoe_per_segment, st.mean_bitrate_bps, st.rebuffer_s, st.rebuffer_ratio,
                       st.switches, st.startup_delay_s);
    out += live ? fmt::format(",{},{},{},{},{}\n", st.live_latency_mean_s, st.live_latency_p95_s, st.time_at_target,
                              st.playback_rate_changes, st.resyncs)
                : "\n";
  }
  return out;
}

namespace {

namespace fs = std::filesystem;

[[noreturn]] void io_error(const fs::path& path, const char* what, const std::error_code& ec) {
  throw Error(fmt::format("{}: {}: {}", path.string(), what, ec.message()));
}

// A relative path from untrusted names that stays inside its root: no empty,
// "." or ".." components, not absolute.
fs::path inside(const std::string& a, const std::string& b, const std::string& c) {
  fs::path out;
  for (const std::string& part : {a, b, c}) {
    const fs::path p(part);
    if (p.is_absolute()) throw Error(fmt::format("log path component '{}' is absolute", part));
    for (const auto& component : p) {
      if (component.empty() || component == "." || component == "..") {
        throw Error(fmt::format("log path component '{}' leaves the logs directory", part));
      }
    }
    out /= p;
  }
  return out;
}

}  // namespace

StagedDirectory::StagedDirectory(const fs::path& target) {
  std::error_code ec;
  fs::path t = fs::absolute(target, ec);
  if (ec) io_error(target, "cannot resolve the path", ec);
  t = t.lexically_normal();
  if (!t.has_filename()) t = t.parent_path();
  target_ = t;
  const fs::path parent = t.parent_path();
  fs::create_directories(parent, ec);
  if (ec) io_error(parent, "cannot create directory", ec);
  if (fs::exists(t, ec) && !fs::is_directory(t, ec)) throw Error(fmt::format("{}: exists and is not a directory", t.string()));
  std::random_device seed;
  std::mt19937_64 random((static_cast<std::uint64_t>(seed()) << 32) ^ seed());
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path candidate = parent / fmt::format("{}.tmp-{:06x}", t.filename().string(), random() & 0xffffff);
    if (fs::create_directory(candidate, ec)) {
      staging_ = candidate;
      return;
    }
    if (ec) io_error(candidate, "cannot create directory", ec);
  }
  throw Error(fmt::format("{}: cannot find a free temporary name beside it", t.string()));
}

StagedDirectory::~StagedDirectory() {
  if (committed_ || staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

void StagedDirectory::commit(const std::vector<std::string>& owned) {
  if (committed_) throw Error(fmt::format("{}: output committed twice", target_.string()));
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    fs::rename(staging_, target_, ec);
    if (ec) io_error(target_, "cannot move the new output into place", ec);
    committed_ = true;
    return;
  }
  if (!fs::is_directory(target_, ec)) throw Error(fmt::format("{}: exists and is not a directory", target_.string()));
  // Earlier entries go to `old` inside the staging directory until the new
  // set is in; on a failure they come back.
  const fs::path old = staging_ / ".replaced";
  fs::create_directory(old, ec);
  if (ec) io_error(old, "cannot create directory", ec);
  std::vector<std::string> displaced;
  std::vector<std::string> installed;
  std::set<std::string> seen;
  try {
    for (const std::string& name : owned) {
      if (!seen.insert(name).second) continue;  // a name listed twice is moved once
      const fs::path to = target_ / name;
      if (fs::symlink_status(to, ec).type() != fs::file_type::not_found) {
        fs::rename(to, old / name, ec);
        if (ec) io_error(to, "cannot move the earlier output aside", ec);
        displaced.push_back(name);
      }
      const fs::path from = staging_ / name;
      if (fs::exists(from, ec)) {
        fs::rename(from, to, ec);
        if (ec) io_error(to, "cannot move the new output into place", ec);
        installed.push_back(name);
      }
    }
  } catch (...) {
    std::error_code ignored;
    for (const std::string& name : installed) fs::rename(target_ / name, staging_ / name, ignored);
    for (const std::string& name : displaced) fs::rename(old / name, target_ / name, ignored);
    throw;
  }
  committed_ = true;
  fs::remove_all(staging_, ec);  // the earlier entries; a leftover is harmless
}

void write_evaluation(const EvaluationResult& result, const std::filesystem::path& dir,
                      const EvaluationWriteOptions& options) {
  StagedDirectory out(dir);
  const fs::path& d = out.staging();
  detail::write_file_atomic(d / "table.md", format_markdown_table(result));
  detail::write_file_atomic(d / "results.csv", format_csv(result));
  detail::write_file_atomic(d / "results.json", format_json(result));
  if (options.sessions_csv) detail::write_file_atomic(d / "sessions.csv", format_sessions_csv(result));
  std::error_code ec;
  for (const auto& s : result.sessions) {
    if (s.segments.empty()) continue;
    const fs::path file = d / "logs" / inside(s.algorithm, s.trace_set, s.trace);
    fs::create_directories(file.parent_path(), ec);
    if (ec) io_error(file.parent_path(), "cannot create directory", ec);
    write_pensieve_log(s.segments, file);
  }
  out.commit({"table.md", "results.csv", "results.json", "sessions.csv", "logs"});
}

}  // namespace streamopt
