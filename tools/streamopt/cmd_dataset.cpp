// streamopt dataset build: the learned predictors' feature tables from
// simulated sessions or real logs (docs/formats.md "Predictor datasets").
#include <fmt/format.h>

#include <cstdio>

#include "args.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

int run_dataset(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] != "build") {
    if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h")) {
      fmt::print(
          "usage: streamopt dataset build --traces DIR[,DIR] --video DIR --out DIR [options]\n"
          "Run 'streamopt dataset build --help' for the options.\n");
      return 0;
    }
    throw UsageError("expected the subcommand 'build' (streamopt dataset build --help)");
  }
  CLI::App app(
      "Build the learned predictors' per-download feature table from sessions played in the "
      "simulator "
      "or from Pensieve-format logs (docs/formats.md \"Predictor datasets\").",
      "streamopt dataset build");
  configure(app);
  std::string traces, logs, video, out, mode = "pensieve";
  learn::DatasetOptions o;
  auto* traces_opt = app.add_option("--traces", traces, "traces played with --policy")
                         ->type_name("DIR|FILE[,DIR...]");
  auto* logs_opt = app.add_option("--logs", logs, "Pensieve 7-column logs read as sessions")
                       ->type_name("DIR|FILE[,DIR...]");
  auto* video_opt = app.add_option("--video", video, "manifest directory (ladder.json + sizes/)")
                        ->type_name("DIR");
  app.add_option("--out", out,
                 "directory to write dataset.csv, features.npy, columns.txt, sessions.csv")
      ->required()
      ->type_name("DIR");
  app.add_option("--policy", o.policy, "behaviour controller [default: robust_mpc]")
      ->type_name("SPEC");
  app.add_option("--mode", mode, "simulator semantics [default: pensieve]")
      ->check(CLI::IsMember({"pensieve", "default", "standard", "sabre"}))
      ->type_name("MODE");
  app.add_option("--seed", o.seed, "seed of the split [default: 1]")->type_name("S");
  app.add_option("--val-fraction", o.val_fraction,
                 "share of sessions in the validation split [default: 0.2]")
      ->check(number_in(0, 0.9))
      ->type_name("F");
  if (!parse(app, std::vector<std::string>(argv.begin() + 1, argv.end()))) return 0;
  if (!given(traces_opt) && !given(logs_opt)) throw UsageError("give --traces, --logs or both");
  needs(traces_opt, video_opt);
  if (given(traces_opt)) {
    for (const auto& item : split_list(traces)) {
      for (const auto& f : list_trace_files(item)) o.traces.push_back(f);
    }
  }
  if (given(logs_opt)) {
    for (const auto& item : split_list(logs)) {
      for (const auto& f : list_trace_files(item)) o.logs.push_back(f);
    }
  }
  o.video = video;
  o.sim = SimConfig::from_name(mode);
  const learn::PredictorDataset data = learn::build_predictor_dataset(o);
  learn::write_predictor_dataset(data, out);
  std::size_t val_rows = 0;
  for (auto s : data.split) val_rows += s;
  fmt::print("{}: {} rows ({} train, {} val) from {} sessions, {} features\n", out, data.rows(),
             data.rows() - val_rows, val_rows, data.sessions.size(), data.feature_names.size());
  note_repeated_traces(data.repeated_traces);
  return 0;
}

}  // namespace streamopt::cli
