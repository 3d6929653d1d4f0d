#pragma once
/// \file learn.hpp
/// The learn component (`streamopt::learn`, built with LibTorch): trainers
/// that write model files the engine runs with Eigen (docs/learning.md).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
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
  double train_qoe = 0;          ///< ppo/dqn: mean QoE per segment (scored as evaluation scores it) of the training sessions finished since the last report
  double elapsed_s = 0;          ///< wall clock since the start
  double eta_s = 0;              ///< estimated seconds left
};

/// What every rung-policy trainer (imitation, ppo, dqn) trains on and how.
struct PolicyTrainingOptions {
  std::vector<std::filesystem::path> traces;  ///< training trace files
  std::vector<std::filesystem::path> val;     ///< validation trace files (empty: hold back `val_fraction`)
  double val_fraction = 0.2;                  ///< share of `traces` held back when `val` is empty (seeded)
  std::filesystem::path video;                ///< manifest directory
  std::filesystem::path out;                  ///< model file to write (the best validation model)
  SimConfig sim = SimConfig::pensieve();      ///< simulator the sessions play in
  std::string qoe = "lin";                    ///< QoE model spec (what the expert, the reward and validation score)
  double minutes = 10;                        ///< wall-clock budget (stops at the first validation past it)
  std::uint64_t seed = 1;                     ///< everything random derives from it
  unsigned threads = 0;                       ///< 0 = all hardware threads
  std::size_t hidden = 64;                    ///< width of the two hidden layers (fresh nets)
  std::string command;                        ///< recorded in the model file
  std::function<void(const TrainProgress&)> progress;  ///< may be empty; called at every validation
};

/// What `train_imitation` adds.
struct ImitationOptions : PolicyTrainingOptions {
  std::size_t iterations = 6;                 ///< DAgger iterations at most (the first uses the expert alone)
  std::size_t epochs = 40;                    ///< passes over the data per iteration
  LookaheadOptions expert;                    ///< the lookahead oracle's horizon and terminal value
  /// Imitate this registry controller (e.g. `robust_mpc:horizon=12`, a
  /// long-horizon expert that sees no more than the policy) instead of the
  /// lookahead oracle; its per-rung scores (`reasons.scores`, e.g. MPC's best
  /// plan value per first rung) are the soft targets, its rung the label
  /// where it has none. Empty = the lookahead oracle.
  std::string expert_abr;
  /// Soft targets: the expert's rung probabilities are softmax(value / this)
  /// over its value of starting with each rung (QoE units); 0 = hard labels.
  double expert_temperature = 0.5;
  OracleOptions expert_grid = kLookaheadOracleGrid;  ///< its DP grid (coarser than the full oracle's: it runs per decision)
};

/// The outcome of a training run.
struct TrainResult {
  std::vector<TrainProgress> history;  ///< one entry per iteration
  std::size_t best_iteration = 0;      ///< the kept model's iteration (1-based)
  std::size_t first_iteration = 0;     ///< ppo/dqn: iterations done before this run (resumed from a checkpoint)
  double best_val_qoe = 0;             ///< its validation QoE per segment
  std::size_t repeated_traces = 0;     ///< trace files left out: their samples repeat another given trace's
};

/// Trains a rung policy by DAgger from the lookahead oracle (Comyco's
/// recipe) or from `expert_abr`: iteration 1 labels the expert's own
/// sessions, later ones roll out the current policy (the expert steps in
/// with probability 0.5^i) and label every state it visits with the
/// expert's values; each iteration refits the policy on all labels so far,
/// scores it on the validation traces and keeps the best in `out`. Throws
/// `Error` on empty or bad input (an unknown `expert_abr` included).
TrainResult train_imitation(const ImitationOptions& options);

/// What the reinforcement-learning trainers (`train_ppo`, `train_dqn`)
/// share. Sessions of the training traces play in lockstep (`sessions` at
/// once, each restarting on a random training trace started at a random
/// sample); the reward of a decision is its segment's QoE. Every
/// `validate_every` iterations the greedy policy is scored on the validation
/// traces, the best is kept in `out` and a checkpoint (policy, value net,
/// progress) is written to `out` + ".ckpt"; `init` resumes from it.
struct RlOptions : PolicyTrainingOptions {
  std::size_t iterations = 2000;              ///< iterations at most (schedules anneal over them)
  /// Start from this model: a rung policy (its head, e.g. the imitation
  /// model: fine-tuning) or a checkpoint (head, value net and progress:
  /// resuming). Empty = fresh nets.
  std::filesystem::path init;
  std::size_t sessions = 16;                  ///< sessions played in lockstep
  std::size_t steps = 32;                     ///< lockstep steps per iteration (sessions x steps decisions)
  std::size_t validate_every = 20;            ///< iterations between validations (and checkpoints)
  double gamma = 0.99;                        ///< discount per segment
  double learning_rate = 1e-4;                ///< Adam
  double reward_scale = 0.1;                  ///< rewards are QoE x this while learning
  /// How often sessions draw each training trace: one relative weight per
  /// file of `traces` (each > 0, finite), e.g. 0.2 for each trace of a large
  /// set so that it does not crowd out the others. Empty = every trace alike.
  std::vector<double> trace_weights;
};

/// PPO's own settings (Schulman et al. 2017, as Pensieve-PPO uses it).
struct PpoOptions : RlOptions {
  std::size_t epochs = 4;         ///< passes over each iteration's decisions
  std::size_t batch = 256;        ///< decisions per gradient step
  double clip = 0.2;              ///< probability-ratio clip
  double lambda = 0.95;           ///< GAE
  double value_weight = 0.5;      ///< weight of the value loss
  double entropy_start = 0.02;    ///< entropy bonus, annealed linearly over `iterations`...
  double entropy_end = 0.002;     ///< ...to this
};

/// DQN's own settings: double DQN with a dueling head, n-step returns,
/// Huber loss and uniform replay; epsilon-greedy exploration annealed.
struct DqnOptions : RlOptions {
  std::size_t replay = 50000;          ///< transitions the replay holds
  std::size_t n_step = 3;              ///< segments per return
  std::size_t batch = 128;             ///< transitions per gradient step
  std::size_t updates_per_step = 2;    ///< gradient steps per lockstep step
  std::size_t warmup = 2000;           ///< transitions before the first gradient step
  std::size_t target_sync = 500;       ///< gradient steps between target-net copies
  double epsilon_start = 1.0;          ///< exploration, annealed linearly over...
  double epsilon_end = 0.02;           ///< ...to this...
  std::size_t epsilon_decisions = 200000;  ///< ...this many decisions
};

/// Trains a rung policy with PPO (clipped objective, GAE, value loss,
/// entropy bonus annealed); the head's scores are the policy's logits.
/// Throws `Error` on empty or bad input.
TrainResult train_ppo(const PpoOptions& options);

/// Trains a rung policy with DQN; the head is the dueling net's advantage
/// stream (its best rung is the greedy action). Throws `Error` on empty or bad input.
TrainResult train_dqn(const DqnOptions& options);

/// What a predictor dataset is made of (`streamopt dataset build`,
/// docs/formats.md "Predictor datasets").
struct DatasetOptions {
  std::vector<std::filesystem::path> traces;  ///< trace files played with `policy` (may be empty with `logs`)
  std::vector<std::filesystem::path> logs;    ///< Pensieve 7-column logs read as sessions
  std::filesystem::path video;                ///< manifest directory (needed with `traces`)
  std::string policy = "robust_mpc";          ///< behaviour controller specs (a list plays each trace with each)
  SimConfig sim = SimConfig::pensieve();      ///< simulator the sessions play in
  double val_fraction = 0.2;                  ///< share of traces (with all their sessions) in the validation split
  std::uint64_t seed = 1;                     ///< seeds the split
};

/// Per-download rows: the learned predictors' features of the history
/// before each download (lib/predict/learned_features.hpp) and the target,
/// that download's ln(throughput / 1 Mbit/s). Every session's rows share one
/// split (0 train, 1 validation).
struct PredictorDataset {
  std::vector<std::string> feature_names;  ///< columns of `features`
  std::vector<std::string> sessions;       ///< source (trace or log file) of each session
  std::vector<float> features;             ///< rows x feature_names.size(), row-major
  std::vector<float> target_log_mbps;      ///< one per row
  std::vector<float> size_bytes;           ///< the target download's size, per row (the ttp's candidate size)
  std::vector<float> download_s;           ///< its time from request to last byte, per row (the ttp's target)
  std::vector<std::uint32_t> session;      ///< index into `sessions`, per row
  std::vector<std::uint32_t> segment;      ///< the target download's segment index, per row
  std::vector<std::uint8_t> split;         ///< 0 train, 1 validation, per row
  std::size_t repeated_traces = 0;         ///< trace files left out: their samples repeat an earlier one's
  /// Rows.
  [[nodiscard]] std::size_t rows() const { return target_log_mbps.size(); }
};

/// Plays (or reads) the sessions and builds their rows; the split shuffles
/// traces with `seed` (a trace's sessions under every policy stay on one
/// side), never rows. A trace file whose samples repeat an earlier one's is
/// played once. Throws `Error` on bad input or when no
/// row results.
PredictorDataset build_predictor_dataset(const DatasetOptions& options);

/// Writes `dir`/dataset.csv, `dir`/features.npy (float32, rows x columns:
/// session, segment, split, the features, size_bytes, download_s,
/// target_log_mbps) and
/// `dir`/columns.txt, `dir`/sessions.csv. Creates `dir`.
void write_predictor_dataset(const PredictorDataset& data, const std::filesystem::path& dir);

/// What `train_predictor` fits and how.
struct PredictorTrainOptions {
  std::string algorithm;           ///< "gbdt", "rf", "mlp" or "ttp"
  DatasetOptions data;             ///< the training sessions (and their split)
  std::filesystem::path out;       ///< model file to write
  unsigned threads = 0;            ///< 0 = all hardware threads
  std::size_t trees = 0;           ///< gbdt: boosting rounds; rf: trees (0 = the algorithm's default)
  std::size_t max_depth = 0;       ///< tree depth (0 = default: gbdt 5, rf 8)
  std::size_t hidden = 32;         ///< mlp: width of the two hidden layers
  std::size_t epochs = 60;         ///< mlp: passes over the training rows
  std::string command;             ///< recorded in the model file
};

/// How a trained predictor did.
struct PredictorTrainResult {
  std::size_t train_rows = 0;  ///< rows fitted on
  std::size_t val_rows = 0;    ///< rows scored on
  double train_mae_bps = 0;    ///< mean absolute error of the estimate on the training rows
  double val_mae_bps = 0;      ///< on the validation rows
  double val_harmonic_mae_bps = 0;  ///< the harmonic mean of the last 5 on the validation rows
  double val_nll = 0;          ///< ttp: mean cross-entropy (nats) of the realised bin on the validation rows
  std::size_t repeated_traces = 0;  ///< trace files left out: their samples repeat an earlier one's
  /// Feature importance, most important first: trees, XGBoost's total gain
  /// (share of the sum); mlp, the rise of the validation MSE when the
  /// feature's column is shuffled (permutation importance).
  std::vector<std::pair<std::string, double>> importance;
};

/// Trains a learned throughput predictor (gbdt and rf with XGBoost, mlp with
/// LibTorch) or the `ttp` fetch-time predictor (LibTorch, cross-entropy over
/// 21 bins of effective rate) on the training split of `options.data` and
/// writes its model file, which the engine's predictor of that name loads. Throws
/// `Error` on an unknown algorithm or empty data.
PredictorTrainResult train_predictor(const PredictorTrainOptions& options);

}  // namespace streamopt::learn
