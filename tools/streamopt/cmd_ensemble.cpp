// streamopt ensemble: several rung policies as one model file whose heads
// vote (the mean of their log-softmax over the rungs; docs/cli.md).
#include <fmt/format.h>

#include "args.hpp"
#include "model/model_file.hpp"
#include "model/rung_policy.hpp"

namespace streamopt::cli {

int run_ensemble(const std::vector<std::string>& argv) {
  CLI::App app("Combine rung policies (imitation, ppo or dqn models of one algorithm) into one model file whose "
               "heads score each rung together: the mean of the heads' log-softmax over the ladder.",
               "streamopt ensemble");
  configure(app);
  std::string out;
  std::vector<std::string> members;
  app.add_option("--out", out, "model file to write")->required()->type_name("FILE");
  app.add_option("models", members, "member model files (two or more)")
      ->required()
      ->expected(2, static_cast<int>(model::kMaxEnsembleHeads))
      ->check(CLI::ExistingFile)
      ->type_name("MODEL");
  if (!parse(app, argv)) return 0;
  std::vector<model::ModelFile> files;
  for (const auto& m : members) files.push_back(model::ModelFile::load(m));
  std::string command = "streamopt ensemble";
  for (const auto& a : argv) command += " " + a;
  const model::ModelFile ensemble = model::make_rung_policy_ensemble(files, command);
  ensemble.save(out);
  fmt::print("{}: {} heads from {} models ({})\n", out, ensemble.text("heads"), members.size(),
             ensemble.text("algorithm"));
  return 0;
}

}  // namespace streamopt::cli
