// streamopt train: the learn component's trainers from the command line
// (docs/learning.md).
#include <fmt/format.h>

#include <cstdio>
#include <functional>

#include "args.hpp"
#include "core/text_io.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

namespace {

// The trace files of the items of `list`; `per_item` (when given) gets how
// many files each item holds.
std::vector<std::filesystem::path> trace_files(const std::string& list,
                                               std::vector<std::size_t>* per_item = nullptr) {
  std::vector<std::filesystem::path> files;
  for (const auto& item : split_list(list)) {
    const auto listed = list_trace_files(item);
    files.insert(files.end(), listed.begin(), listed.end());
    if (per_item) per_item->push_back(listed.size());
  }
  return files;
}

// One weight per trace file from one per --traces item (`--trace-weights`).
std::vector<double> per_file_weights(const std::vector<std::size_t>& files_per_item,
                                     const std::vector<double>& item_weights) {
  if (item_weights.size() != files_per_item.size()) {
    throw Error(fmt::format("--trace-weights: {} weights for {} --traces items (one per item)", item_weights.size(),
                            files_per_item.size()));
  }
  std::vector<double> weights;
  for (std::size_t i = 0; i < files_per_item.size(); ++i) {
    weights.resize(weights.size() + files_per_item[i], item_weights[i]);
  }
  return weights;
}

std::string format_duration(double s) {
  return s >= 60 ? fmt::format("{}m{:02}s", static_cast<int>(s) / 60, static_cast<int>(s) % 60)
                 : fmt::format("{:.0f}s", s);
}

// `train --algo rf|gbdt|mlp|ttp`: a learned throughput or fetch-time predictor.
int train_predictor(const CLI::App& app, const std::string& algo, const std::string& traces,
                    const std::string& video, const std::string& out, const std::string& mode,
                    const learn::ImitationOptions& imitation, learn::PredictorTrainOptions& p,
                    const std::vector<std::string>& argv) {
  for (const char* name : {"--val", "--qoe", "--minutes", "--iterations", "--expert", "--expert-horizon",
                           "--expert-buffer-value", "--expert-temperature"}) {
    refuse(app.get_option(name), "to --algo " + algo + " (validation: --val-fraction of the traces)");
  }
  p.algorithm = algo;
  p.data.traces = trace_files(traces);
  p.data.video = video;
  p.data.sim = SimConfig::from_name(mode);
  p.data.seed = imitation.seed;
  p.out = out;
  p.threads = imitation.threads;
  if (given(app.get_option("--hidden"))) p.hidden = imitation.hidden;
  if (given(app.get_option("--epochs"))) p.epochs = imitation.epochs;
  const bool network = algo == "mlp" || algo == "ttp";
  for (const char* name : {"--trees", "--max-depth"}) {
    if (network) refuse(app.get_option(name), "to --algo " + algo);
  }
  if (!network) {
    for (const char* name : {"--hidden", "--epochs"}) refuse(app.get_option(name), "to --algo " + algo);
  }
  p.command = "streamopt train";
  for (const auto& a : argv) p.command += " " + a;
  const learn::PredictorTrainResult r = learn::train_predictor(p);
  note_repeated_traces(r.repeated_traces);
  fmt::print(stderr, "feature importance ({}):\n", network ? "permutation" : "XGBoost total gain");
  for (std::size_t i = 0; i < r.importance.size() && i < 10; ++i) {
    fmt::print(stderr, "  {:<16} {:.3f}\n", r.importance[i].first, r.importance[i].second);
  }
  fmt::print("{}: {} trained on {} rows; validation MAE {:.0f} bit/s on {} rows (harmonic mean: {:.0f}), "
             "training MAE {:.0f}\n",
             out, algo, r.train_rows, r.val_mae_bps, r.val_rows, r.val_harmonic_mae_bps, r.train_mae_bps);
  if (algo == "ttp") fmt::print("{}: validation cross-entropy {:.4f} nats per download\n", out, r.val_nll);
  return 0;
}

// The options every policy trainer's run shares, and what the RL trainers add.
struct PolicyRun {
  std::string init, log;
  std::size_t sessions = 16, validate_every = 20;
  double learning_rate = 1e-4;
  std::vector<double> entropy;  // ppo: START[,END] of the entropy bonus; empty = PpoOptions' defaults
  std::vector<double> trace_weights;  // ppo|dqn: one per --traces item; empty = every trace alike
};

// Writes the progress of a policy training as CSV (one row per validation),
// for plotting validation QoE against wall-clock time.
void write_progress_log(const std::string& path, const std::string& algo, const learn::TrainResult& r) {
  if (path.empty()) return;
  std::string text = "algo,iteration,samples,elapsed_s,loss,train_qoe,val_qoe,best_val_qoe\n";
  for (const auto& p : r.history) {
    text += fmt::format("{},{},{},{:.3f},{:.6f},{:.6f},{:.6f},{:.6f}\n", algo, p.iteration, p.samples, p.elapsed_s,
                        p.loss, p.train_qoe, p.val_qoe, p.best_val_qoe);
  }
  detail::write_file_atomic(path, text);
}

// Prints one validation's progress line of a policy trainer (stderr).
void print_progress(const learn::TrainProgress& p, bool reinforcement) {
  fmt::print(stderr, "iteration {}/{}: {} {}, loss {:.4f} -> {:.4f}, {}validation QoE/segment {:.4f} (best {:.4f}), "
             "{} elapsed, ETA {}\n",
             p.iteration, p.iterations, p.samples, reinforcement ? "decisions" : "labelled decisions", p.loss_first,
             p.loss, reinforcement ? fmt::format("training QoE/segment {:.4f}, ", p.train_qoe) : "", p.val_qoe,
             p.best_val_qoe, format_duration(p.elapsed_s), format_duration(p.eta_s));
}

// Writes the progress log and says which model was kept.
void finish_policy_run(const std::string& algo, const std::string& out, const std::string& log,
                       const learn::TrainResult& r) {
  write_progress_log(log, algo, r);
  note_repeated_traces(r.repeated_traces);
  const bool reinforcement = algo != "imitation";
  fmt::print("{}: kept iteration {} (validation QoE/segment {:.4f}){}\n", out, r.best_iteration, r.best_val_qoe,
             reinforcement ? fmt::format("; checkpoint {}.ckpt", out) : "");
}

// `train --algo ppo|dqn`: reinforcement learning in the simulator.
int train_rl(const CLI::App& app, const std::string& algo, const std::vector<std::size_t>& files_per_item,
             const learn::ImitationOptions& common, const PolicyRun& run, learn::RlOptions& o,
             const std::function<learn::TrainResult()>& train) {
  for (const char* name : {"--policy", "--val-fraction", "--trees", "--max-depth", "--expert", "--expert-horizon",
                           "--expert-buffer-value", "--expert-temperature"}) {
    refuse(app.get_option(name), "to --algo " + algo);
  }
  static_cast<learn::PolicyTrainingOptions&>(o) = common;
  if (given(app.get_option("--iterations"))) o.iterations = common.iterations;
  o.init = run.init;
  o.sessions = run.sessions;
  o.validate_every = run.validate_every;
  o.learning_rate = run.learning_rate;
  if (!run.trace_weights.empty()) o.trace_weights = per_file_weights(files_per_item, run.trace_weights);
  o.progress = [](const learn::TrainProgress& p) { print_progress(p, true); };
  finish_policy_run(algo, o.out.string(), run.log, train());
  return 0;
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
  CLI::App app("Train a learned controller or predictor on traces; writes a model file the engine runs "
               "(docs/learning.md).",
               "streamopt train");
  configure(app);
  std::string algo, traces, val, video, out, mode = "pensieve", qoe = "lin";
  learn::ImitationOptions o;
  app.add_option("--algo", algo, "what to train")
      ->required()
      ->check(CLI::IsMember({"imitation", "ppo", "dqn", "rf", "gbdt", "mlp", "ttp"}))
      ->type_name("imitation|ppo|dqn|rf|gbdt|mlp|ttp");
  app.add_option("--traces", traces, "training traces")->required()->type_name("DIR|FILE[,DIR...]");
  app.add_option("--val", val, "validation traces [default: a seeded 20% of --traces held back]")
      ->type_name("DIR|FILE[,DIR...]");
  app.add_option("--video", video, "manifest directory (ladder.json + sizes/)")->required()->type_name("DIR");
  app.add_option("--out", out, "model file to write (the best validation model)")->required()->type_name("FILE");
  app.add_option("--mode", mode, "simulator semantics [default: pensieve]")
      ->check(CLI::IsMember({"pensieve", "default", "standard", "sabre"}))
      ->type_name("MODE");
  app.add_option("--qoe", qoe, "QoE model the expert and the validation optimise [default: lin]")->type_name("SPEC");
  app.add_option("--minutes", o.minutes, "wall-clock budget; stops after the iteration that passes it [default: 10]")
      ->check(number_above(0, 10000))
      ->type_name("N");
  app.add_option("--iterations", o.iterations,
                 "iterations at most: imitation's DAgger rounds [default: 6]; ppo/dqn's rollouts of --sessions x 32 "
                 "decisions, over which their schedules anneal [default: 2000]")
      ->check(integer_in(1, 1000000))
      ->type_name("N");
  app.add_option("--seed", o.seed, "seed of everything random [default: 1]")->type_name("S");
  app.add_option("--threads", o.threads, "worker threads, 0 = all [default: 0]")->check(integer_in(0, 256))->type_name("N");
  app.add_option("--hidden", o.hidden, "width of the policy's two hidden layers [default: 64]")
      ->check(integer_in(4, 1024))
      ->type_name("N");
  app.add_option("--epochs", o.epochs, "passes over the labels per iteration [default: 40]")
      ->check(integer_in(1, 10000))
      ->type_name("N");
  app.add_option("--expert", o.expert_abr,
                 "imitation: imitate this controller (e.g. robust_mpc:horizon=12; its per-rung scores are the soft "
                 "targets) [default: the lookahead oracle]")
      ->type_name("SPEC");
  app.add_option("--expert-horizon", o.expert.horizon_segments,
                 "segments the lookahead oracle plans, 0 = to the end [default: 16]")
      ->check(integer_in(0, 100000))
      ->type_name("N");
  app.add_option("--expert-buffer-value", o.expert.terminal_value_per_buffer_s,
                 "QoE the expert credits per second of buffer left at its horizon [default: 0]")
      ->check(number_in(0, 100))
      ->type_name("X");
  // The predictors' own options (train --algo rf|gbdt|mlp|ttp).
  learn::PredictorTrainOptions predictor;
  app.add_option("--policy", predictor.data.policy,
                 "rf|gbdt|mlp|ttp: behaviour controllers, each plays every trace [default: robust_mpc]")
      ->type_name("SPEC[,SPEC...]");
  app.add_option("--val-fraction", predictor.data.val_fraction,
                 "rf|gbdt|mlp|ttp: share of traces (all their sessions) held back for validation [default: 0.2]")
      ->check(number_in(0, 0.9))
      ->type_name("F");
  app.add_option("--trees", predictor.trees, "rf|gbdt: trees (rf) or boosting rounds (gbdt) [default: rf 50, gbdt 100]")
      ->check(integer_in(1, 10000))
      ->type_name("N");
  app.add_option("--max-depth", predictor.max_depth, "rf|gbdt: tree depth [default: rf 8, gbdt 5]")
      ->check(integer_in(1, 16))
      ->type_name("N");
  app.add_option("--expert-temperature", o.expert_temperature,
                 "soft targets: softmax of the expert's value of each rung over this (QoE), 0 = its rung only "
                 "[default: 0.5]")
      ->check(number_in(0, 1000))
      ->type_name("T");
  // The policy trainers' options (imitation, ppo, dqn).
  PolicyRun run;
  app.add_option("--log", run.log, "imitation|ppo|dqn: write the progress (one row per validation) as CSV")
      ->type_name("FILE");
  app.add_option("--init", run.init,
                 "ppo|dqn: start from this model: a rung policy (e.g. models/imitation.sopt: fine-tuning) or a "
                 "checkpoint OUT.ckpt (resuming)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  app.add_option("--sessions", run.sessions, "ppo|dqn: sessions played in lockstep [default: 16]")
      ->check(integer_in(1, 4096))
      ->type_name("N");
  app.add_option("--validate-every", run.validate_every,
                 "ppo|dqn: iterations between validations and checkpoints [default: 20]")
      ->check(integer_in(1, 1000000))
      ->type_name("N");
  app.add_option("--learning-rate", run.learning_rate, "ppo|dqn: Adam's step size [default: 1e-4]")
      ->check(number_in(1e-7, 1))
      ->type_name("X");
  app.add_option("--entropy", run.entropy,
                 "ppo: entropy bonus, annealed linearly from START to END over --iterations; one value holds it "
                 "[default: 0.02,0.002]")
      ->delimiter(',')
      ->expected(1, 2)
      ->check(number_in(0, 1))
      ->type_name("START[,END]");
  app.add_option("--trace-weights", run.trace_weights,
                 "ppo|dqn: how often sessions draw each trace of each --traces item, relative to the others' "
                 "(e.g. 1,1,0.2 makes each trace of the third a fifth as likely) [default: all alike]")
      ->delimiter(',')
      ->check(number_above(0, 1e6))
      ->type_name("W[,W...]");
  if (!parse(app, argv)) return 0;
  const bool policy_trainer = algo == "imitation" || algo == "ppo" || algo == "dqn";
  if (!policy_trainer) {
    for (const char* name :
         {"--log", "--init", "--sessions", "--validate-every", "--learning-rate", "--entropy", "--trace-weights"}) {
      refuse(app.get_option(name), "to --algo " + algo + " (it is for imitation, ppo and dqn)");
    }
    return train_predictor(app, algo, traces, video, out, mode, o, predictor, argv);
  }
  if (algo == "imitation") {
    for (const char* name : {"--policy", "--val-fraction", "--trees", "--max-depth", "--init", "--sessions",
                             "--validate-every", "--learning-rate", "--entropy", "--trace-weights"}) {
      refuse(app.get_option(name), "to --algo imitation");
    }
    if (!o.expert_abr.empty()) {
      for (const char* name : {"--expert-horizon", "--expert-buffer-value"}) {
        refuse(app.get_option(name), "with --expert (they set the lookahead oracle)");
      }
    }
  } else {
    refuse(app.get_option("--epochs"), "to --algo " + algo);
    if (algo == "dqn") refuse(app.get_option("--entropy"), "to --algo dqn (it explores epsilon-greedily)");
  }

  std::vector<std::size_t> files_per_item;
  o.traces = trace_files(traces, &files_per_item);
  if (!val.empty()) o.val = trace_files(val);
  o.video = video;
  o.out = out;
  o.sim = SimConfig::from_name(mode);
  o.qoe = qoe;
  o.command = "streamopt train";
  for (const auto& a : argv) o.command += " " + a;
  if (algo == "ppo") {
    learn::PpoOptions ppo;
    if (!run.entropy.empty()) {
      ppo.entropy_start = run.entropy.front();
      ppo.entropy_end = run.entropy.back();
    }
    return train_rl(app, algo, files_per_item, o, run, ppo, [&] { return learn::train_ppo(ppo); });
  }
  if (algo == "dqn") {
    learn::DqnOptions dqn;
    return train_rl(app, algo, files_per_item, o, run, dqn, [&] { return learn::train_dqn(dqn); });
  }
  o.progress = [](const learn::TrainProgress& p) { print_progress(p, false); };
  finish_policy_run(algo, out, run.log, learn::train_imitation(o));
  return 0;
}

}  // namespace streamopt::cli
