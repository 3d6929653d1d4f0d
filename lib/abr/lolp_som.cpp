// LoL+'s QoE evaluator, dynamic weight selector and self-organising map
// (see lolp_som.hpp), after dash.js v5.1.1 src/streaming/rules/abr/lolp/.
#include "abr/lolp_som.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace streamopt::abr::lolp {
namespace {

// LoLpQoEEvaluator's latency penalty switches weight above 1.1 s; the second
// band ends at 1e8 s (a latency above it costs nothing, as in dash.js).
constexpr double kLatencyBandS = 1.1;
constexpr double kLatencyBandEndS = 1e8;
// LoLpWeightSelector's candidate weights per feature.
constexpr std::array<double, 5> kWeightValues = {0.2, 0.4, 0.6, 0.8, 1.0};
// Floor of the rebuffer estimate in the weight search (seconds).
constexpr double kMinRebufferS = 0.00001;
// Inverse weight used when a weight is 0 (cannot happen with kWeightValues).
constexpr double kZeroWeightInverse = 10.0;
// LearningAbrController: latency is divided by 100 s before the SOM sees it.
constexpr double kLatencyNormalisationS = 100.0;
// "10K + video encoding is the recommended throughput": a rung within
// 10 kbit/s of the throughput counts as too high.
constexpr double kThroughputDeltaBps = 10000.0;
// Distance weight on throughput that pushes away from too-high rungs.
constexpr double kTooHighThroughputWeight = 100.0;
// Neighbourhood width and learning rate of the SOM update.
constexpr double kSigma = 0.1;
constexpr double kLearningRate = 0.01;
// Playback-rate control: sigmoid steepness and the "near target" band.
constexpr double kCatchupSteepness = 5.0;
constexpr double kCatchupTargetBand = 0.02;

// sqrt(sum w_i (a_i - b_i)^2), signed as dash.js's _getDistance.
double distance(const FeatureWeights& a, const FeatureWeights& b, const FeatureWeights& w) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += w[i] * (a[i] - b[i]) * (a[i] - b[i]);
  return (sum < 0 ? -1.0 : 1.0) * std::sqrt(std::abs(sum));
}

constexpr FeatureWeights kUnitWeights = {1, 1, 1, 1};

}  // namespace

void QoeEvaluator::setup(double segment_s, double max_bitrate_kbps, double min_bitrate_kbps) {
  segment_s_ = segment_s;
  max_kbps_ = max_bitrate_kbps;
  min_kbps_ = min_bitrate_kbps;
}

bool QoeEvaluator::ready() const { return segment_s_ != 0 && max_kbps_ != 0 && min_kbps_ != 0; }

double QoeEvaluator::single_use_qoe(double bitrate, double rebuffer_s, double latency_s,
                                    double playback_rate) const {
  if (!ready()) return 0.0;
  const double bitrate_reward = segment_s_;
  const double rebuffer_penalty = max_kbps_;
  const double speed_penalty = min_kbps_;
  // A fresh QoeInfo has no last bitrate, so no switch penalty applies.
  double latency_cost = 0;
  if (latency_s <= kLatencyBandS) {
    latency_cost = min_kbps_ * 0.05 * latency_s;
  } else if (latency_s <= kLatencyBandEndS) {
    latency_cost = max_kbps_ * 0.1 * latency_s;
  }
  return bitrate_reward * bitrate - rebuffer_penalty * rebuffer_s - latency_cost -
         speed_penalty * std::abs(1.0 - playback_rate);
}

WeightSelector::WeightSelector(double target_latency_s, double buffer_min_s, double segment_s,
                               const QoeEvaluator& evaluator)
    : target_latency_s_(target_latency_s),
      buffer_min_s_(buffer_min_s),
      segment_s_(segment_s),
      evaluator_(&evaluator) {
  // _getPermutations: all 4-tuples of the values, first feature slowest.
  for (double a : kWeightValues)
    for (double b : kWeightValues)
      for (double c : kWeightValues)
        for (double d : kWeightValues) options_.push_back({a, b, c, d});
}

double WeightSelector::next_buffer_s(double buffer_s, double download_s) const {
  return download_s > segment_s_ ? buffer_s - segment_s_ : buffer_s + segment_s_ - download_s;
}

std::optional<FeatureWeights> WeightSelector::find(const std::vector<Neuron>& neurons,
                                                   double latency_s, double buffer_s,
                                                   double throughput_bps, double playback_rate,
                                                   double previous_latency_s) const {
  const double delta_latency_s = std::abs(latency_s - previous_latency_s);
  // _checkConstraints: latency within target + drift, buffer above the minimum.
  const auto meets = [&](double next_buffer) {
    if (latency_s > target_latency_s_ + delta_latency_s) return false;
    return next_buffer >= buffer_min_s_;
  };
  std::optional<double> best_qoe;
  std::optional<FeatureWeights> best;
  for (const Neuron& neuron : neurons) {
    const double download_s = neuron.bitrate_bps * segment_s_ / throughput_bps;
    const double next_buffer = next_buffer_s(buffer_s, download_s);
    const double rebuffer_s = std::max(kMinRebufferS, download_s - next_buffer);
    const bool ok = meets(next_buffer);
    for (const FeatureWeights& w : options_) {
      const double buffer_inverse = w[2] == 0 ? kZeroWeightInverse : 1.0 / w[2];
      const double latency_inverse = w[1] == 0 ? kZeroWeightInverse : 1.0 / w[1];
      const double qoe = evaluator_->single_use_qoe(neuron.bitrate_bps, buffer_inverse * rebuffer_s,
                                                    latency_inverse * neuron.state[1],
                                                    playback_rate);
      if ((!best_qoe || qoe > *best_qoe) && ok) {
        best_qoe = qoe;
        best = w;
      }
    }
  }
  return best;
}

LearningController::LearningController(std::vector<double> bitrates_bps, std::uint64_t seed)
    : bitrates_bps_(std::move(bitrates_bps)), seed_(seed) {
  reset();
}

void LearningController::reset() {
  built_ = false;
  neurons_.clear();
  normalisation_bps_ = 1;
  min_bitrate_bps_ = 0;
  weights_.reset();
  sorted_centres_.clear();
  rng_state_ = seed_;
}

// splitmix64 mapped to [0, 1) with 53 bits: the same stream on every platform
// (Math.random in dash.js).
double LearningController::next_random() {
  std::uint64_t z = (rng_state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

double LearningController::max_throughput() const {
  double m = 0;
  for (const Neuron& n : neurons_) m = std::max(m, n.state[0]);
  return m;
}

// _setSomBitrateNeurons + _getInitialKmeansPlusPlusCenters.
void LearningController::build() {
  built_ = true;
  double sum_sq = 0;
  min_bitrate_bps_ = std::numeric_limits<double>::infinity();
  for (double b : bitrates_bps_) {
    sum_sq += b * b;
    min_bitrate_bps_ = std::min(min_bitrate_bps_, b);
  }
  normalisation_bps_ = sum_sq > 0 ? std::sqrt(sum_sq) : 1.0;
  for (std::size_t i = 0; i < bitrates_bps_.size(); ++i) {
    neurons_.push_back({i, bitrates_bps_[i], {bitrates_bps_[i] / normalisation_bps_, 0, 0, 0}});
  }
  const std::size_t n = neurons_.size();
  std::vector<FeatureWeights> data(n * n);
  const double max_tput = max_throughput();
  for (auto& p : data) {
    p[0] = next_random() * max_tput;
    p[1] = next_random();
    p[2] = next_random();
    p[3] = next_random();
  }
  std::vector<FeatureWeights> centres = {data[0]};
  for (std::size_t k = 1; k < n; ++k) {
    std::optional<double> max_distance;
    FeatureWeights next = data[0];
    for (const auto& point : data) {
      std::optional<double> min_distance;
      for (const auto& c : centres) {
        const double dist = distance(point, c, kUnitWeights);
        if (!min_distance || dist < *min_distance) min_distance = dist;
      }
      if (!max_distance || *min_distance > *max_distance) {
        next = point;
        max_distance = min_distance;
      }
    }
    centres.push_back(next);
  }
  // The least similar centre first, then the rest by distance to it.
  std::size_t least_similar = 0;
  std::optional<double> max_sum;
  for (std::size_t i = 0; i < centres.size(); ++i) {
    double sum = 0;
    for (std::size_t j = 0; j < centres.size(); ++j)
      if (i != j) sum += distance(centres[i], centres[j], kUnitWeights);
    if (!max_sum || sum > *max_sum) {
      max_sum = sum;
      least_similar = i;
    }
  }
  sorted_centres_ = {centres[least_similar]};
  centres.erase(centres.begin() + static_cast<std::ptrdiff_t>(least_similar));
  while (!centres.empty()) {
    std::size_t closest = 0;
    for (std::size_t i = 1; i < centres.size(); ++i) {
      if (distance(sorted_centres_[0], centres[i], kUnitWeights) <
          distance(sorted_centres_[0], centres[closest], kUnitWeights))
        closest = i;
    }
    sorted_centres_.push_back(centres[closest]);
    centres.erase(centres.begin() + static_cast<std::ptrdiff_t>(closest));
  }
}

// _updateNeurons: move every neuron towards x, by a Gaussian of its state's
// distance to the winner's.
void LearningController::update_neurons(std::size_t winner, const FeatureWeights& x) {
  // A reference, as in dash.js: neurons after the winner in the loop see its
  // already updated state.
  const FeatureWeights& winner_state = neurons_[winner].state;
  for (Neuron& n : neurons_) {
    const double d = distance(n.state, winner_state, kUnitWeights);
    const double neighbourhood = std::exp(-(d * d) / (2 * kSigma * kSigma));
    for (std::size_t i = 0; i < 4; ++i)
      n.state[i] += (x[i] - n.state[i]) * kLearningRate * neighbourhood;
  }
}

SomChoice LearningController::next(std::size_t current_rung, double throughput_bps,
                                   double latency_s, double buffer_s, double playback_rate,
                                   const WeightSelector& selector) {
  if (!built_) build();
  SomChoice choice;
  current_rung = std::min(current_rung, neurons_.size() - 1);
  double throughput_normalised = throughput_bps / normalisation_bps_;
  if (throughput_normalised > 1) throughput_normalised = max_throughput();
  const double latency_normalised = latency_s / kLatencyNormalisationS;
  const Neuron& current = neurons_[current_rung];
  const double download_s = current.bitrate_bps * selector.segment_s() / throughput_bps;
  const double rebuffer_s = std::max(0.0, download_s - buffer_s);
  // Possible stall: the highest lower rung the throughput carries, no learning.
  if (buffer_s - download_s < selector.buffer_min_s()) {
    choice.downshift = true;
    choice.rung = current_rung;
    double best_bps = 0;
    for (const Neuron& n : neurons_) {
      if (n.bitrate_bps < current.bitrate_bps && n.bitrate_bps > best_bps &&
          throughput_bps > n.bitrate_bps) {
        best_bps = n.bitrate_bps;
        choice.rung = n.rung;
      }
    }
    return choice;
  }
  // _dynamicWeightSelection.
  if (!weights_) weights_ = sorted_centres_.back();
  if (auto w = selector.find(neurons_, latency_s, buffer_s, throughput_bps, playback_rate))
    weights_ = *w;
  choice.weights = *weights_;
  const FeatureWeights target = {throughput_normalised, 0, 0, 0};
  std::optional<double> min_distance;
  std::size_t winner = 0;
  for (const Neuron& n : neurons_) {
    FeatureWeights w = *weights_;
    const double next_buffer =
        selector.next_buffer_s(buffer_s, n.bitrate_bps * selector.segment_s() / throughput_bps);
    const bool buffer_low = next_buffer < selector.buffer_min_s();
    if ((n.bitrate_bps > throughput_bps - kThroughputDeltaBps || buffer_low) &&
        n.bitrate_bps != min_bitrate_bps_)
      w[0] = kTooHighThroughputWeight;
    const double d = distance(n.state, target, w);
    choice.distances.push_back(d);
    if (!min_distance || d < *min_distance) {
      min_distance = d;
      winner = n.rung;
    }
  }
  const double switch_size =
      std::abs(current.bitrate_bps - neurons_[winner].bitrate_bps) / normalisation_bps_;
  update_neurons(current_rung, {throughput_normalised, latency_normalised, rebuffer_s, switch_size});
  update_neurons(winner, {throughput_normalised, 0, 0, switch_size});
  choice.rung = winner;
  return choice;
}

double catchup_rate(double latency_s, double target_latency_s, double buffer_s, double buffer_min_s,
                    double max_slowdown, double max_speedup) {
  const auto sigmoid_rate = [](double cpr, double error) {
    return (1.0 - cpr) + (cpr * 2.0) / (1.0 + std::exp(-error * kCatchupSteepness));
  };
  if (buffer_s < buffer_min_s) return sigmoid_rate(max_slowdown, buffer_s - buffer_min_s);
  const double delta_s = latency_s - target_latency_s;
  if (std::abs(delta_s) <= kCatchupTargetBand * target_latency_s) return 1.0;
  return sigmoid_rate(delta_s < 0 ? max_slowdown : max_speedup, delta_s);
}

}  // namespace streamopt::abr::lolp
