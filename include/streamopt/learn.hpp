#pragma once
/// \file learn.hpp
/// The learn component (`streamopt::learn`, built with LibTorch): trainers
/// that write model files the engine runs with Eigen (docs/learning.md).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "streamopt/oracle.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::learn {

/// Progress of a training run, reported after every iteration.
struct TrainProgress {
  std::size_t iteration = 0;     ///< 1-based
  std::size_t iterations = 0;    ///< planned
  std::size_t samples = 0;       ///< training rows so far (imitation: labelled decisions)
  double loss_first = 0;         ///< training loss of the first epoch of this iteration
  double loss = 0;               ///< training loss of the last epoch
  double val_qoe = 0;            ///< validation QoE per segment of this iteration's model
  double best_val_qoe = 0;       ///< best so far (that model is the one kept)
  double elapsed_s = 0;          ///< wall clock since the start
  double eta_s = 0;              ///< estimated seconds left
};

/// What `train_imitation` trains on and how.
struct ImitationOptions {
  std::vector<std::filesystem::path> traces;  ///< training trace files
  std::vector<std::filesystem::path> val;     ///< validation trace files (empty: hold back `val_fraction`)
  double val_fraction = 0.2;                  ///< share of `traces` held back when `val` is empty (seeded)
  std::filesystem::path video;                ///< manifest directory
  std::filesystem::path out;                  ///< model file to write (the best validation model)
  SimConfig sim = SimConfig::pensieve();      ///< simulator the sessions play in
  std::string qoe = "lin";                    ///< QoE model spec
  double minutes = 10;                        ///< wall-clock budget (stops after the iteration that passes it)
  std::size_t iterations = 6;                 ///< DAgger iterations at most (the first uses the expert alone)
  std::uint64_t seed = 1;                     ///< everything random derives from it
  unsigned threads = 0;                       ///< 0 = all hardware threads
  std::size_t hidden = 64;                    ///< width of the two hidden layers
  std::size_t epochs = 40;                    ///< passes over the data per iteration
  LookaheadOptions expert;                    ///< the lookahead oracle's horizon and terminal value
  OracleOptions expert_grid = kLookaheadOracleGrid;  ///< its DP grid (coarser than the full oracle's: it runs per decision)
  std::string command;                        ///< recorded in the model file
  std::function<void(const TrainProgress&)> progress;  ///< may be empty
};

/// The outcome of a training run.
struct TrainResult {
  std::vector<TrainProgress> history;  ///< one entry per iteration
  std::size_t best_iteration = 0;      ///< the kept model's iteration (1-based)
  double best_val_qoe = 0;             ///< its validation QoE per segment
};

/// Trains a rung policy by DAgger from the lookahead oracle (Comyco's
/// recipe): iteration 1 labels the expert's own sessions, later ones roll
/// out the current policy (the expert steps in with probability 0.5^i) and
/// label every state it visits with the expert's rung; each iteration
/// refits the policy on all labels so far, scores it on the validation
/// traces and keeps the best in `out`. Throws `Error` on empty or bad input.
TrainResult train_imitation(const ImitationOptions& options);

}  // namespace streamopt::learn
