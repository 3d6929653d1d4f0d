// streamopt train: the learn component's trainers from the command line
// (docs/learning.md).
#include <fmt/format.h>

#include <cstdio>

#include "args.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

namespace {

std::vector<std::filesystem::path> trace_files(const std::string& list) {
  std::vector<std::filesystem::path> files;
  for (const auto& item : split_list(list)) {
    for (const auto& f : list_trace_files(item)) files.push_back(f);
  }
  return files;
}

std::string format_duration(double s) {
  return s >= 60 ? fmt::format("{}m{:02}s", static_cast<int>(s) / 60, static_cast<int>(s) % 60)
                 : fmt::format("{:.0f}s", s);
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
  CLI::App app("Train a learned controller or predictor on traces; writes a model file the engine runs "
               "(docs/learning.md).",
               "streamopt train");
  configure(app);
  std::string algo, traces, val, video, out, mode = "pensieve", qoe = "lin";
  learn::ImitationOptions o;
  app.add_option("--algo", algo, "what to train")->required()->check(CLI::IsMember({"imitation"}))->type_name("imitation");
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
  app.add_option("--iterations", o.iterations, "DAgger iterations at most [default: 6]")
      ->check(integer_in(1, 100))
      ->type_name("N");
  app.add_option("--seed", o.seed, "seed of everything random [default: 1]")->type_name("S");
  app.add_option("--threads", o.threads, "worker threads, 0 = all [default: 0]")->check(integer_in(0, 256))->type_name("N");
  app.add_option("--hidden", o.hidden, "width of the policy's two hidden layers [default: 64]")
      ->check(integer_in(4, 1024))
      ->type_name("N");
  app.add_option("--epochs", o.epochs, "passes over the labels per iteration [default: 40]")
      ->check(integer_in(1, 10000))
      ->type_name("N");
  app.add_option("--expert-horizon", o.expert.horizon_segments,
                 "segments the lookahead oracle plans, 0 = to the end [default: 16]")
      ->check(integer_in(0, 100000))
      ->type_name("N");
  app.add_option("--expert-buffer-value", o.expert.terminal_value_per_buffer_s,
                 "QoE the expert credits per second of buffer left at its horizon [default: 0]")
      ->check(number_in(0, 100))
      ->type_name("X");
  if (!parse(app, argv)) return 0;

  o.traces = trace_files(traces);
  if (!val.empty()) o.val = trace_files(val);
  o.video = video;
  o.out = out;
  o.sim = SimConfig::from_name(mode);
  o.qoe = qoe;
  o.command = "streamopt train";
  for (const auto& a : argv) o.command += " " + a;
  o.progress = [](const learn::TrainProgress& p) {
    fmt::print(stderr,
               "iteration {}/{}: {} labelled decisions, loss {:.4f} -> {:.4f}, validation QoE/segment {:.4f} "
               "(best {:.4f}), {} elapsed, ETA {}\n",
               p.iteration, p.iterations, p.samples, p.loss_first, p.loss, p.val_qoe, p.best_val_qoe,
               format_duration(p.elapsed_s), format_duration(p.eta_s));
  };
  const learn::TrainResult r = learn::train_imitation(o);
  fmt::print("{}: kept iteration {} (validation QoE/segment {:.4f})\n", out, r.best_iteration, r.best_val_qoe);
  return 0;
}

}  // namespace streamopt::cli
