// streamopt predictors evaluate: every throughput (or fetch-time) predictor scored on the
// realised throughput of the next download, over sessions a fixed
// controller plays (docs/cli.md).
#include <fmt/format.h>

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "args.hpp"
#include "core/text_io.hpp"
#include "sim/download_reports.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/simulator.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

namespace {

// A trace set's name in the table: the directory, with its parent when it is
// a split (fcc-hsdpa/test).
std::string set_name(const std::filesystem::path& path) {
  const std::filesystem::path p = path.has_filename() ? path : path.parent_path();
  const std::string last = p.filename().string();
  if ((last == "train" || last == "test" || last == "val") && p.has_parent_path()) {
    return p.parent_path().filename().string() + "/" + last;
  }
  return last;
}

int run_evaluate_predictors(const std::vector<std::string>& argv) {
  CLI::App app(
      "Score throughput predictors on the realised throughput of each next download (and fetch-time "
      "predictors such as ttp on its fetch time), over sessions a fixed controller plays; writes "
      "OUT/predictors.csv.",
      "streamopt predictors evaluate");
  configure(app);
  std::string predictors = "harmonic,ewma,rf,gbdt,mlp,ttp", traces, video, out, abr = "robust_mpc",
              mode = "pensieve";
  app.add_option("--predictors", predictors, "throughput or fetch-time predictor specs [default: harmonic,ewma,rf,gbdt,mlp,ttp]")
      ->type_name("SPEC[,SPEC...]");
  app.add_option("--traces", traces, "trace sets, one row per set and predictor")
      ->required()
      ->type_name("DIR[,DIR...]");
  app.add_option("--video", video, "manifest directory (ladder.json + sizes/)")
      ->required()
      ->type_name("DIR");
  app.add_option("--out", out, "directory for predictors.csv")->required()->type_name("DIR");
  app.add_option("--abr", abr, "controller that plays the sessions [default: robust_mpc]")
      ->type_name("SPEC");
  app.add_option("--mode", mode, "simulator semantics [default: pensieve]")
      ->check(CLI::IsMember({"pensieve", "default", "standard", "sabre"}))
      ->type_name("MODE");
  if (!parse(app, argv)) return 0;

  const Registry& registry = Registry::builtin();
  std::vector<std::string> specs;
  for (const auto& spec : parse_spec_list(predictors)) specs.push_back(spec.to_string());
  // A name the fetch-time registry knows (and the throughput one does not)
  // is scored as a fetch-time predictor; every spec is built once here so a
  // bad one fails before any session plays.
  const auto known = [](const std::vector<std::pair<std::string, std::string>>& names, const std::string& name) {
    return std::any_of(names.begin(), names.end(), [&](const auto& entry) { return entry.first == name; });
  };
  const auto is_fetch_time = [&](const std::string& spec) {
    const std::string name = parse_spec(spec).name;
    return !known(registry.predictor_names(), name) && known(registry.fetch_time_names(), name);
  };
  for (const auto& spec : specs) {
    if (is_fetch_time(spec)) {
      (void)registry.make_fetch_time(spec);
    } else {
      (void)registry.make_predictor(spec);
    }
  }
  auto manifest = std::make_shared<const Manifest>(Manifest::load(video));
  const QoeModel qoe("lin", *manifest);
  const SimConfig config = SimConfig::from_name(mode);

  std::string csv = "predictor,trace_set,samples,mae_bps,mape,rmse_bps,nll\n";
  fmt::print("{:<28} {:<16} {:>8} {:>12} {:>8} {:>12} {:>8}\n", "predictor", "trace_set", "samples",
             "mae_kbps", "mape", "rmse_kbps", "nll");
  for (const auto& dir : split_list(traces)) {
    auto controller = registry.make_abr(abr, manifest);
    std::vector<sim::ReportSession> sessions;
    for (const auto& file : list_trace_files(dir)) {
      sessions.push_back(sim::play_reports(read_trace(file), *manifest, *controller, config, qoe));
    }
    const std::string name = set_name(dir);
    for (const auto& spec : specs) {
      const bool fetch_time = is_fetch_time(spec);
      const sim::PredictorScore s = fetch_time
                                        ? sim::score_fetch_time(*registry.make_fetch_time(spec), sessions)
                                        : sim::score_predictor(*registry.make_predictor(spec), sessions);
      const std::string nll = fetch_time ? fmt::format("{:.4f}", s.nll) : "";
      csv += fmt::format("{},{},{},{:.1f},{:.4f},{:.1f},{}\n", spec, name, s.samples, s.mae_bps,
                         s.mape, s.rmse_bps, nll);
      fmt::print("{:<28} {:<16} {:>8} {:>12.1f} {:>8.4f} {:>12.1f} {:>8}\n", spec, name, s.samples,
                 s.mae_bps / 1e3, s.mape, s.rmse_bps / 1e3, nll);
    }
  }
  std::filesystem::create_directories(out);
  detail::write_file_atomic(std::filesystem::path(out) / "predictors.csv", csv);
  return 0;
}

}  // namespace

int run_predictors(const std::vector<std::string>& argv) {
  if (!argv.empty() && argv[0] == "evaluate")
    return run_evaluate_predictors({argv.begin() + 1, argv.end()});
  if (!argv.empty() && (argv[0] == "--help" || argv[0] == "-h")) {
    fmt::print(
        "usage: streamopt predictors evaluate --traces DIR[,DIR] --video DIR --out DIR [options]\n"
        "Run 'streamopt predictors evaluate --help' for the options.\n");
    return 0;
  }
  throw UsageError("expected the subcommand 'evaluate' (streamopt predictors evaluate --help)");
}

}  // namespace streamopt::cli
