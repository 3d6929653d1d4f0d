#pragma once
/// \file evaluate.hpp
/// The parallel evaluation runner behind `streamopt evaluate`.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "streamopt/options.hpp"
#include "streamopt/oracle.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt {

/// A named set of traces (e.g. one directory).
struct TraceSet {
  std::string name;                  ///< shown in tables
  std::vector<NetworkTrace> traces;  ///< sessions
};

/// What to evaluate.
struct EvaluationConfig {
  std::vector<AlgorithmSpec> algorithms;  ///< controllers; the name "oracle" means the oracle
  SimConfig sim = SimConfig::standard();  ///< simulator
  std::string qoe = "lin";                ///< QoE model spec
  OracleOptions oracle;                   ///< oracle grid (`oracle:k=v` options override it)
  unsigned threads = 0;                   ///< 0 = all hardware threads
  const Registry* registry = nullptr;     ///< nullptr = Registry::builtin()
  /// Called with (finished sessions, total) from worker threads; may be empty.
  std::function<void(std::size_t, std::size_t)> progress;
  /// When true, per-session segment records are kept in the result (for logs).
  bool keep_segments = false;
};

/// One algorithm on one trace.
struct SessionOutcome {
  std::string algorithm;   ///< spec as written
  std::string trace_set;   ///< set name
  std::string trace;       ///< trace name
  SessionStats stats;      ///< summary
  std::vector<SegmentRecord> segments;  ///< only with keep_segments
};

/// One algorithm over one trace set.
struct AggregateRow {
  std::string algorithm;               ///< spec as written
  std::string trace_set;               ///< set name
  std::size_t sessions = 0;            ///< sessions played
  double qoe_per_segment = 0;          ///< mean over sessions of SessionStats::qoe_per_segment
  double utility_per_segment = 0;      ///< mean utility part
  double rebuffer_penalty_per_segment = 0;    ///< mean rebuffer part
  double smoothness_penalty_per_segment = 0;  ///< mean smoothness part
  double percent_of_oracle = 0;        ///< 100 x mean session QoE / oracle's (NaN without oracle)
  double p10_session_qoe = 0;          ///< 10th percentile of per-session qoe_sum_pensieve
  double p50_session_qoe = 0;          ///< median
  double p90_session_qoe = 0;          ///< 90th percentile
  double mean_bitrate_bps = 0;         ///< mean of session mean bitrates
  double rebuffer_ratio = 0;           ///< mean of session rebuffer ratios
  double switches = 0;                 ///< mean switches per session
  // Live mode only (`live` true; the formats add these columns then):
  bool live = false;                   ///< the sessions were live
  double live_latency_mean_s = 0;      ///< mean of session time-average latencies
  double live_latency_p95_s = 0;       ///< mean of session 95th-percentile latencies
  double time_at_target = 0;           ///< mean share of time within 0.5 s of the target latency
  double playback_rate_changes = 0;    ///< mean playback-rate changes per session
  double resyncs = 0;                  ///< mean re-syncs per session
};

/// Everything an evaluation produced.
struct EvaluationResult {
  std::vector<SessionOutcome> sessions;  ///< algorithm-major, then set, then trace
  std::vector<AggregateRow> rows;        ///< one per (algorithm, set)
};

/// Runs every algorithm on every trace of every set, in parallel over
/// sessions. Results are deterministic and independent of the thread count.
/// Throws `Error` for unknown algorithms or bad options before any work starts.
EvaluationResult evaluate(const std::vector<TraceSet>& sets, const Manifest& manifest,
                          const EvaluationConfig& config);

/// Finest and coarsest oracle grid steps `evaluate` accepts (in
/// `EvaluationConfig::oracle` and in `oracle:time_step_s=...,buffer_step_s=...`):
/// a finer grid merges fewer states and the search grows without bound.
inline constexpr double kOracleMinTimeStepS = 0.01;
inline constexpr double kOracleMinBufferStepS = 0.001;
inline constexpr double kOracleMaxStepS = 60.0;

/// The aggregate table as GitHub Markdown.
std::string format_markdown_table(const EvaluationResult& result);
/// The aggregate table as CSV with a header line.
std::string format_csv(const EvaluationResult& result);
/// The whole result (rows and per-session stats) as JSON.
std::string format_json(const EvaluationResult& result);
/// One row per session, in `result.sessions` order (algorithm-major, then
/// set, then trace), under the header
/// `trace_set,trace,algorithm,segments,qoe_per_segment,mean_bitrate_bps,rebuffer_s,rebuffer_ratio,switches,startup_s`
/// and, when the sessions were live, `live_latency_mean_s,live_latency_p95_s,time_at_target,playback_rate_changes,resyncs`.
/// Text fields are quoted (a `"` doubled); numbers are written in the
/// shortest form that reads back to the same double; `startup_s` is
/// `SessionStats::startup_delay_s`.
std::string format_sessions_csv(const EvaluationResult& result);

/// What `write_evaluation` writes beside `table.md`, `results.csv` and `results.json`.
struct EvaluationWriteOptions {
  bool sessions_csv = false;  ///< also `sessions.csv` (`format_sessions_csv`)
};

/// A directory of output that appears complete or not at all. Everything is
/// written under `staging()`, a fresh sibling of the target named
/// `TARGET.tmp-XXXXXX` (the target's parent is created if needed). `commit()`
/// renames the staging directory to the target when the target does not
/// exist; when it does, it moves each top-level entry named in `owned` from
/// the staging directory into the target, replacing the earlier one, and
/// deletes owned entries the new set lacks (stale results of an earlier run),
/// leaving everything else in the target alone; a failure part-way puts the
/// earlier entries back. Nothing in the target changes before `commit()`.
/// Destroying an uncommitted staging directory removes it with its contents.
/// Throws `Error` on I/O failure, naming the path.
class StagedDirectory {
 public:
  explicit StagedDirectory(const std::filesystem::path& target);
  ~StagedDirectory();
  StagedDirectory(const StagedDirectory&) = delete;
  StagedDirectory& operator=(const StagedDirectory&) = delete;

  /// Where to write (exists and is empty after construction).
  [[nodiscard]] const std::filesystem::path& staging() const { return staging_; }
  /// Where the output ends up.
  [[nodiscard]] const std::filesystem::path& target() const { return target_; }
  /// Moves the output into place (see the class comment); call once.
  void commit(const std::vector<std::string>& owned);

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

/// Writes `table.md`, `results.csv` and `results.json` into `dir`, with
/// `options.sessions_csv` also `sessions.csv`, and, where sessions kept their
/// segments, one Pensieve log per session under
/// `dir/logs/ALGORITHM/TRACE_SET/TRACE`. The whole set is written into a
/// `StagedDirectory` first and moved into place only when complete, so a
/// failed write (a full disk, an error) leaves `dir` as it was: no
/// results.csv without results.json, no partial logs. Earlier results in
/// `dir` (those five names) are replaced as a set; other files there are
/// left alone. Throws `Error` on I/O failure.
void write_evaluation(const EvaluationResult& result, const std::filesystem::path& dir,
                      const EvaluationWriteOptions& options = {});

}  // namespace streamopt
