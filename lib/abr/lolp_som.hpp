#pragma once
// LoL+'s learning parts (private to lib/abr): the QoE evaluator, the dynamic
// weight selector and the self-organising map that picks the rung, modelled
// on dash.js v5.1.1's src/streaming/rules/abr/lolp/ (LoLpQoEEvaluator.js,
// LoLpWeightSelector.js, LearningAbrController.js). Written from their
// behaviour; see docs/algorithms.md. Bitrates are in bit/s unless a name says
// kbps (the evaluator's weights are per kbit/s, as in dash.js).

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace streamopt::abr::lolp {

/// A weight per SOM feature: throughput, latency, buffer (rebuffer), switch.
using FeatureWeights = std::array<double, 4>;

/// LoLpQoEEvaluator: a segment's QoE as bitrate reward minus switch,
/// rebuffer, latency and playback-speed penalties, with weights set from the
/// segment duration and the ladder's extreme bitrates.
class QoeEvaluator {
 public:
  /// setupPerSegmentQoe: bitrate reward = segment duration (1 when 0),
  /// switch penalty 1, rebuffer penalty = max kbps (1000 when 0), latency
  /// penalty min kbps x 0.05 up to 1.1 s else max kbps x 0.1, speed penalty
  /// = min kbps (200 when 0).
  void setup(double segment_s, double max_bitrate_kbps, double min_bitrate_kbps);
  /// True once setup() has run with non-zero duration and bitrates.
  [[nodiscard]] bool ready() const;
  /// calculateSingleUseQoe: the QoE of one segment of `bitrate` (in the
  /// caller's unit: dash.js passes bit/s here) with `rebuffer_s` of stall,
  /// `latency_s` and `playback_rate`; 0 when not ready().
  [[nodiscard]] double single_use_qoe(double bitrate, double rebuffer_s, double latency_s,
                                      double playback_rate) const;

 private:
  double segment_s_ = 0;
  double max_kbps_ = 0;
  double min_kbps_ = 0;
};

/// One SOM neuron: a rung and its learnt state (normalised throughput,
/// latency / 100 s, rebuffer seconds, normalised switch size).
struct Neuron {
  std::size_t rung = 0;
  double bitrate_bps = 0;
  FeatureWeights state{};
};

/// LoLpWeightSelector, as LoLpRule builds it for every decision: over every
/// neuron and every weight vector in {0.2, 0.4, 0.6, 0.8, 1}^4 (625, in
/// lexicographic order), the vector giving the highest single-use QoE that
/// meets the constraints (latency within target + drift; next buffer at
/// least buffer_min_s).
class WeightSelector {
 public:
  /// `target_latency_s` and `buffer_min_s` are dash.js's DWS_TARGET_LATENCY
  /// (1.5 s) and DWS_BUFFER_MIN (0.3 s).
  WeightSelector(double target_latency_s, double buffer_min_s, double segment_s,
                 const QoeEvaluator& evaluator);
  /// findWeightVector; nullopt when no (neuron, vector) meets the constraints.
  /// `previous_latency_s` is 0 in dash.js (the selector is new each call).
  [[nodiscard]] std::optional<FeatureWeights> find(const std::vector<Neuron>& neurons,
                                                   double latency_s, double buffer_s,
                                                   double throughput_bps, double playback_rate,
                                                   double previous_latency_s = 0) const;
  /// getNextBuffer: the buffer after downloading for `download_s` (loses a
  /// segment duration when the download is longer than one segment).
  [[nodiscard]] double next_buffer_s(double buffer_s, double download_s) const;
  /// The minimum buffer the constraints require (seconds).
  [[nodiscard]] double buffer_min_s() const { return buffer_min_s_; }
  /// The segment duration (seconds).
  [[nodiscard]] double segment_s() const { return segment_s_; }

 private:
  double target_latency_s_;
  double buffer_min_s_;
  double segment_s_;
  const QoeEvaluator* evaluator_;
  std::vector<FeatureWeights> options_;
};

/// What LearningAbrController.getNextQuality decided.
struct SomChoice {
  std::size_t rung = 0;          ///< the chosen rung
  bool downshift = false;        ///< the low-buffer downshift answered, not the SOM
  FeatureWeights weights{};      ///< the distance weights used (zeros on downshift)
  std::vector<double> distances; ///< per-rung weighted distance to the target
};

/// LearningAbrController: a self-organising map with one neuron per rung.
/// Its random parts (Xavier weights are unused under the default dynamic
/// selection; the k-means++ centres seed the first weight vector) draw from
/// a seeded generator, so a run is reproducible.
class LearningController {
 public:
  /// `bitrates_bps` ascending or not, one per rung; `seed` for the centres.
  LearningController(std::vector<double> bitrates_bps, std::uint64_t seed);
  /// Back to the initial state (neurons, weights, centres rebuilt lazily).
  void reset();
  /// getNextQuality for the current rung, the safe throughput (bit/s), the
  /// latency (s), the buffer (s) and the playback rate.
  [[nodiscard]] SomChoice next(std::size_t current_rung, double throughput_bps, double latency_s,
                               double buffer_s, double playback_rate,
                               const WeightSelector& selector);
  /// The neurons (for inspection and tests).
  [[nodiscard]] const std::vector<Neuron>& neurons() const { return neurons_; }

 private:
  void build();
  [[nodiscard]] double max_throughput() const;
  [[nodiscard]] double next_random();
  void update_neurons(std::size_t winner, const FeatureWeights& x);

  std::vector<double> bitrates_bps_;
  std::uint64_t seed_;
  std::uint64_t rng_state_ = 0;
  bool built_ = false;
  std::vector<Neuron> neurons_;
  double normalisation_bps_ = 1;
  double min_bitrate_bps_ = 0;
  std::optional<FeatureWeights> weights_;
  std::vector<FeatureWeights> sorted_centres_;
};

/// LoL+'s playback-rate control (CatchupController, liveCatchupModeLoLP):
/// below `buffer_min_s` a sigmoid of the buffer deficit slows down (never
/// under 1 - max_slowdown); otherwise 1 within 2 % of the target latency, else
/// a sigmoid of the latency error in (1 - max_slowdown, 1 + max_speedup).
[[nodiscard]] double catchup_rate(double latency_s, double target_latency_s, double buffer_s,
                                  double buffer_min_s, double max_slowdown, double max_speedup);

}  // namespace streamopt::abr::lolp
