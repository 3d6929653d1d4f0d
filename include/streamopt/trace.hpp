#pragma once
/// \file trace.hpp
/// Network throughput traces: formats, validation, cleaning, statistics and
/// seeded synthetic generators.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace streamopt {

/// Most samples a trace read from a file or built by binning (Mahimahi),
/// resampling or synthesis may have; asking for more is an `Error` rather
/// than an exhausted memory.
inline constexpr std::size_t kMaxTraceSamples = 10'000'000;

/// Largest trace file `read_trace` reads (256 MiB); a larger one is an `Error`
/// naming the file and the limit.
inline constexpr std::uintmax_t kMaxTraceFileBytes = std::uintmax_t{256} << 20;

/// Highest throughput a trace may hold (1e12 bit/s, 1 Tbit/s); anything above
/// is taken for a unit mistake or garbage and refused.
inline constexpr double kMaxThroughputBps = 1e12;

/// Latest sample time a trace may hold (1e9 s, about 32 years).
inline constexpr double kMaxTraceTimeS = 1e9;

/// Highest per-sample latency (Sabre traces), 60 s.
inline constexpr double kMaxLatencyS = 60.0;

/// A throughput trace as (time, throughput) samples. Sample i's throughput
/// holds over the interval (time_s[i-1], time_s[i]], as in Pensieve's cooked
/// traces; sample 0 only marks the start time. Times never go backwards.
struct NetworkTrace {
  std::string name;                    ///< usually the file name
  std::vector<double> time_s;          ///< sample times, seconds, non-decreasing
  std::vector<double> throughput_bps;  ///< bits per second, >= 0
  std::vector<double> latency_s;       ///< per-sample one-way latency (Sabre traces); may be empty

  /// Time of the last sample minus the first.
  [[nodiscard]] double duration_s() const;
};

/// Trace file formats.
enum class TraceFormat {
  automatic,  ///< by extension/content: `.json` is Sabre, one integer column is Mahimahi
  cooked,     ///< `time_s throughput_Mbps` per line (Pensieve)
  mahimahi,   ///< one delivery-opportunity timestamp in ms per line, 1500 bytes each
  sabre,      ///< JSON `[{"duration_ms", "bandwidth_kbps", "latency_ms"}, ...]`
};

/// Parses `cooked`, `mahimahi`, `sabre` or `auto`; throws `Error` otherwise.
TraceFormat parse_trace_format(std::string_view text);

/// Reads and validates a trace file. Mahimahi files are binned into
/// `mahimahi_bin_s` windows. Only regular files of at most
/// `kMaxTraceFileBytes` are read (a FIFO or device is refused without
/// blocking). Throws `Error` with file and line on: unreadable file, a file
/// that is not text (NUL or control bytes, a UTF-8 byte-order mark),
/// non-numeric or missing fields, negative, non-finite or absurd values (see
/// the limits above), time going backwards, an empty file or a single sample.
/// Messages quote at most a short, sanitised token of the file.
NetworkTrace read_trace(const std::filesystem::path& path,
                        TraceFormat format = TraceFormat::automatic, double mahimahi_bin_s = 0.5);

/// Parses trace text held in memory (as `read_trace` does a file, with the
/// same checks); `name` stands for the file in error messages and becomes the
/// trace's name. `automatic` picks Sabre when the text starts with '['.
NetworkTrace parse_trace(std::string_view text, std::string_view name,
                         TraceFormat format = TraceFormat::automatic, double mahimahi_bin_s = 0.5);

/// Writes a trace in `format` (not `automatic`) to `path` through a temporary
/// file renamed into place, so a failure never leaves a half-written file.
void write_trace(const NetworkTrace& trace, const std::filesystem::path& path, TraceFormat format);

/// Checks an in-memory trace (sizes match, at least two samples, finite,
/// non-negative, times non-decreasing and at most `kMaxTraceTimeS`,
/// throughput at most `kMaxThroughputBps`, latency at most `kMaxLatencyS`,
/// positive duration); throws `Error` naming the trace, sample index and field.
void validate_trace(const NetworkTrace& trace);

/// Trace files in a directory (sorted by name, hidden files skipped), or the
/// file itself. Throws `Error` if the path does not exist or holds none.
std::vector<std::filesystem::path> list_trace_files(const std::filesystem::path& path);

/// Positions in `traces` of the traces whose samples (times, throughputs and
/// latencies) equal an earlier trace's: the same trace given twice, e.g. by two
/// overlapping directories. Names are not compared. Ascending.
std::vector<std::size_t> repeated_traces(const std::vector<NetworkTrace>& traces);

/// Removes from `traces` those `repeated_traces` finds (the first of each
/// stays, order kept); returns how many it removed.
std::size_t drop_repeated_traces(std::vector<NetworkTrace>& traces);

/// Time-weighted statistics of a trace.
struct TraceStats {
  std::size_t samples = 0;     ///< number of samples
  double duration_s = 0;       ///< last minus first time
  double mean_bps = 0;         ///< time-weighted mean throughput
  double p10_bps = 0;          ///< time-weighted 10th percentile
  double p50_bps = 0;          ///< time-weighted median
  double p90_bps = 0;          ///< time-weighted 90th percentile
  double min_bps = 0;          ///< minimum over intervals
  double max_bps = 0;          ///< maximum over intervals
  double outage_s = 0;         ///< time with zero throughput
};

/// Statistics over the intervals (time_s[i-1], time_s[i]].
TraceStats trace_stats(const NetworkTrace& trace);

/// How `clean_trace` treats zero-throughput samples.
enum class ZeroPolicy {
  keep,  ///< keep outages as they are
  fill,  ///< replace each zero run by the previous non-zero sample (the next one at the start)
};

/// Cleaning for real-world defects.
struct CleanOptions {
  ZeroPolicy zeros = ZeroPolicy::keep;  ///< outage handling
  bool merge_duplicate_times = true;    ///< keep the last of samples sharing a timestamp
  double resample_step_s = 0;           ///< > 0: resample to this fixed step (time-weighted mean)
};

/// Returns a cleaned copy; throws `Error` if nothing usable remains.
NetworkTrace clean_trace(const NetworkTrace& trace, const CleanOptions& options);

/// A trace of constant throughput.
NetworkTrace synth_constant(double throughput_bps, double duration_s, double step_s = 1.0);

/// A square wave between `low_bps` and `high_bps`, switching every `period_s / 2`,
/// starting high.
NetworkTrace synth_step(double high_bps, double low_bps, double period_s, double duration_s,
                        double step_s = 1.0);

/// Parameters of the Markov-modulated generator.
struct MarkovTraceOptions {
  double min_bps = 0.2e6;        ///< lowest state mean
  double max_bps = 6.0e6;        ///< highest state mean
  std::size_t states = 10;       ///< state means are log-spaced between min and max
  double switch_probability = 0.1;  ///< per step: move to another state
  double max_jump_states = 3;    ///< a switch moves at most this many states away
  double noise = 0.15;           ///< relative Gaussian noise within a state
  double step_s = 1.0;           ///< sample spacing
  double duration_s = 320.0;     ///< trace length
};

/// A seeded Markov-modulated trace in the spirit of Pensieve's synthetic
/// traces: a hidden state chain over log-spaced throughput levels, with
/// Gaussian noise around each level.
NetworkTrace synth_markov(const MarkovTraceOptions& options, std::uint64_t seed);

}  // namespace streamopt
