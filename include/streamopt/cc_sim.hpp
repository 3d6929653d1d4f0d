#pragma once
/// \file cc_sim.hpp
/// The packet-level link simulator of the live path: a bottleneck whose
/// capacity follows a trace, a drop-tail queue, media flows driven by a
/// `CongestionController` and TCP-like bulk flows, plus the RFC 8868 metrics
/// and the RFC 8867 test cases.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "streamopt/cc.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

class Registry;

/// Produces the size of each media frame. Without one a media flow uses the
/// built-in model (frames follow the target, keyframe spikes, jitter); the
/// codec component supplies one driven by a real encoder
/// (`make_encoder_frame_source` in ladder.hpp).
class FrameSource {
 public:
  virtual ~FrameSource() = default;
  /// Bytes of frame `index` (0, 1, ...) encoded for `target_bps`.
  virtual std::uint64_t next_frame_bytes(std::int64_t index, double target_bps) = 0;
  /// Short description for labels, e.g. "h264/libavcodec 640x360".
  [[nodiscard]] virtual std::string name() const = 0;
};

struct FlowConfig;
/// Makes the frame source of flow `flow_id`.
using FrameSourceFactory = std::function<std::unique_ptr<FrameSource>(const FlowConfig& flow, std::uint32_t flow_id)>;

/// The shared bottleneck.
struct BottleneckConfig {
  NetworkTrace capacity;               ///< capacity over time (piecewise constant, looped past its end)
  double queue_limit_s = 0.3;          ///< drop a packet that would wait longer than this (used when `queue_limit_bytes` is 0)
  std::uint64_t queue_limit_bytes = 0; ///< drop a packet when the backlog would exceed this many bytes (0: use `queue_limit_s`)
  double random_loss = 0;              ///< independent loss probability per packet, [0, 1)
  std::uint64_t seed = 1;              ///< seed of the random loss
};

/// Kinds of flow.
enum class FlowKind {
  media,  ///< a live video sender under a congestion controller
  tcp,    ///< a bulk TCP-like flow (Reno AIMD with SACK-style loss detection)
};

/// One flow through the bottleneck.
struct FlowConfig {
  FlowKind kind = FlowKind::media;   ///< media or TCP
  std::string cc = "gcc";            ///< controller spec (media flows), as the registry reads it
  CcConstraints limits{300e3, 150e3, 10e6};  ///< start/min/max rate of the media flow
  double start_s = 0;                ///< when the flow starts
  double stop_s = std::numeric_limits<double>::infinity();  ///< when it stops
  double pause_start_s = -1;         ///< media only: pause from here (negative: never) ...
  double pause_end_s = -1;           ///< ... to here
  double one_way_delay_s = 0.05;     ///< propagation delay bottleneck -> receiver, and of the return path
  double fps = 30;                   ///< media frame rate
  double keyframe_interval_s = 10;   ///< a keyframe this often (0: only the first frame)
  double keyframe_ratio = 4;         ///< keyframe size / mean frame size
  double frame_jitter = 0.1;         ///< relative spread of frame sizes (seeded)
  double feedback_interval_s = 0.05; ///< receiver feedback period (media)
  double max_pacer_queue_s = 0.3;    ///< the encoder skips a frame while the pacer holds more than this at the pacing rate (media)
  FrameSourceFactory frame_source;   ///< media: real frame sizes (empty: the built-in model)
};

/// A whole experiment.
struct CcCase {
  std::string name;                 ///< e.g. "rfc8867-5.1"
  std::string description;          ///< one line
  double duration_s = 100;          ///< simulated time
  BottleneckConfig link;            ///< the bottleneck
  std::vector<FlowConfig> flows;    ///< flows in id order
};

/// One packet's fate (when packet records are kept).
struct CcPacketRecord {
  std::uint32_t flow = 0;        ///< flow id
  std::uint64_t sequence = 0;    ///< per-flow sequence number
  std::uint32_t size_bytes = 0;  ///< bytes on the wire
  double send_s = 0;             ///< time it entered the bottleneck
  double arrival_s = 0;          ///< at the receiver; NaN if lost
  double queue_delay_s = 0;      ///< waiting time in the bottleneck queue; NaN if lost
};

/// Per-flow state sampled every `interval_s`.
struct CcIntervalRecord {
  double time_s = 0;          ///< end of the interval
  std::uint32_t flow = 0;     ///< flow id
  double capacity_bps = 0;    ///< bottleneck capacity at `time_s`
  double target_bps = 0;      ///< controller target (media) or cwnd / srtt (TCP)
  double pacing_bps = 0;      ///< pacer rate (media)
  double received_bps = 0;    ///< bytes received in the interval / interval
  double queue_delay_s = 0;   ///< mean queuing delay of the flow's packets served in the interval (NaN if none)
  CcState state;              ///< controller state (media)
};

/// RFC 8868 metrics of one flow. NaN where a metric does not apply.
struct CcFlowMetrics {
  std::uint32_t flow = 0;            ///< flow id
  std::string label;                 ///< "gcc:profile=libwebrtc" or "tcp"
  double throughput_bps = 0;         ///< received bits / active time
  double media_rate_mean_bps = 0;    ///< mean encoder rate over active 1 s bins (media)
  double media_rate_cov = 0;         ///< coefficient of variation of that rate (media)
  double queue_delay_p50_s = 0;      ///< one-way queuing delay percentiles of delivered packets
  double queue_delay_p95_s = 0;      ///< (see p50)
  double queue_delay_p99_s = 0;      ///< (see p50)
  double frame_delay_p95_s = 0;      ///< capture to last packet received, complete frames (media)
  double loss_fraction = 0;          ///< lost / sent packets
  double frames_skipped_fraction = 0; ///< frames the encoder skipped because the pacer queue was full (media)
  double ramp_up_s = 0;              ///< start until the rate first reaches 80 % of the fair share
  std::vector<double> convergence_s; ///< per capacity step: time until the target is within [0.7, 1.05] x fair share (NaN: never)
  std::vector<double> peak_queue_after_drop_s; ///< per capacity decrease: max queuing delay in the next 5 s
};

/// Metrics of a case.
struct CcMetrics {
  double utilisation = 0;              ///< delivered bits / capacity-time over the case
  double jain_fairness = 0;            ///< Jain's index over the flows' throughputs
  double media_tcp_ratio = 0;          ///< media throughput / TCP throughput (NaN without TCP)
  std::vector<double> step_times_s;    ///< capacity changes the step metrics refer to
  std::vector<CcFlowMetrics> flows;    ///< per flow
};

/// Result of one run.
struct CcRunResult {
  std::string case_name;                    ///< the case
  CcMetrics metrics;                        ///< summary
  std::vector<CcIntervalRecord> intervals;  ///< time series
  std::vector<CcPacketRecord> packets;      ///< per packet (if asked for)
  std::uint64_t events = 0;                 ///< simulator events processed
};

/// Means of the first flow's metrics over several runs (e.g. one trace each).
struct CcRunMeans {
  std::string label;                 ///< the first flow's label (of the last run)
  std::size_t runs = 0;              ///< runs added
  double utilisation = 0;            ///< mean link utilisation
  double throughput_bps = 0;         ///< mean throughput
  double queue_delay_p95_s = 0;      ///< mean of the p95 queuing delays
  double frame_delay_p95_s = 0;      ///< mean of the p95 frame delays
  double loss_fraction = 0;          ///< mean loss
  double frames_skipped_fraction = 0;  ///< mean fraction of skipped frames
  /// Adds one run.
  void add(const CcRunResult& result);
};

/// Options of `run_cc_case`.
struct CcRunOptions {
  double interval_s = 0.1;      ///< sampling period of `intervals`
  bool keep_packets = false;    ///< fill `packets`
  double tick_s = 0.025;        ///< controller `on_tick` period
};

/// Runs a case: builds each media flow's controller from the registry and
/// simulates deterministically. Throws `Error` on a bad case (no flows,
/// non-positive duration, a capacity trace without capacity, bad delays).
CcRunResult run_cc_case(const CcCase& c, const CcRunOptions& options = {});
/// As above with a registry of your own (for controllers you added).
CcRunResult run_cc_case(const CcCase& c, const CcRunOptions& options, const Registry& registry);

/// Names of the built-in cases: rfc8867-5.1, -5.2, -5.4, -5.5, -5.6-300ms, -5.6-1000ms, -5.8.
std::vector<std::string> cc_case_names();
/// Builds a named case with every media flow under `cc`. `time_scale` in
/// (0, 1] shortens every time in the case (for quick tests). Throws `Error`
/// on an unknown name, listing the known ones.
CcCase make_cc_case(const std::string& name, const std::string& cc, double time_scale = 1.0);
/// One media flow under `cc` over a capacity trace (50 ms one-way delay,
/// 300 ms queue), for as long as the trace lasts (or `duration_s` if > 0).
CcCase make_trace_case(const NetworkTrace& capacity, const std::string& cc, double duration_s = 0);
/// A piecewise-constant capacity: `rates_bps[i]` from `times_s[i]` on, until `end_s`.
NetworkTrace piecewise_capacity(const std::vector<double>& times_s, const std::vector<double>& rates_bps,
                                double end_s);

/// Writes `packets.csv` (if packets were kept), `intervals.csv` and
/// `metrics.json` into `dir` (created if needed), each through a temporary
/// file renamed into place.
void write_cc_result(const CcRunResult& result, const std::filesystem::path& dir);
/// A Markdown table of per-flow metrics (one row per flow).
std::string format_cc_metrics(const CcRunResult& result);

}  // namespace streamopt
