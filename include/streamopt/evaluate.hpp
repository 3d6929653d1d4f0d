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
  OracleOptions oracle;                   ///< oracle grid
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

/// The aggregate table as GitHub Markdown.
std::string format_markdown_table(const EvaluationResult& result);
/// The aggregate table as CSV with a header line.
std::string format_csv(const EvaluationResult& result);
/// The whole result (rows and per-session stats) as JSON.
std::string format_json(const EvaluationResult& result);

/// Writes `table.md`, `results.csv` and `results.json` into `dir` (created if
/// needed), and, where sessions kept their segments, one Pensieve log per
/// session under `dir/logs/ALGORITHM/TRACE_SET/TRACE`. Every file is written
/// to a temporary name and renamed into place. Throws `Error` on I/O failure.
void write_evaluation(const EvaluationResult& result, const std::filesystem::path& dir);

}  // namespace streamopt
