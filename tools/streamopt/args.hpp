#pragma once
// Command-line parsing for the streamopt tool, on CLI11. Each command builds a
// CLI::App whose options carry their checks (finite numbers within documented
// ranges), so the help is generated from the options the command reads and an
// option cannot be accepted without being declared. A bad, unknown or missing
// option is a usage error: main() prints it, naming the option, and exits 2.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "streamopt/error.hpp"

namespace streamopt::cli {

// A usage error found after parsing (a combination of options that does not
// go together, a value out of range for the input it applies to); exit 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Sets up a command's app: the `--help`/`-h` flag, flags that refuse a value
// (`--explain=3`), options given at most once, and the help layout.
void configure(CLI::App& app);

// Parses `argv`, the words after the command name. Returns false when help
// was asked for (and printed to stdout): the caller exits 0. Throws
// UsageError on an unknown, repeated, missing or badly valued option.
bool parse(CLI::App& app, std::vector<std::string> argv);

// A finite number in [lo, hi]; the message names the option and the range.
CLI::Validator number_in(double lo, double hi);
// A finite number in (lo, hi].
CLI::Validator number_above(double lo, double hi);
// An integer in [lo, hi].
CLI::Validator integer_in(long long lo, long long hi);

// True when the option was on the command line.
inline bool given(const CLI::Option* o) { return o->count() > 0; }

// Throws UsageError "--A needs --B" when `a` was given and `b` was not.
void needs(const CLI::Option* a, const CLI::Option* b);
// Throws UsageError "--NAME does not apply WHY" when `o` was given.
void refuse(const CLI::Option* o, const std::string& why);

// Splits "a,b,c" (no empty items).
std::vector<std::string> split_list(const std::string& text);

// Says on stderr how many given trace files a trainer or the dataset builder
// left out as repeats of another (nothing when none).
void note_repeated_traces(std::size_t repeated);

// Command entry points; each returns the process exit code.
int run_simulate(const std::vector<std::string>& argv);
int run_evaluate(const std::vector<std::string>& argv);
int run_traces(const std::vector<std::string>& argv);
int run_list(const std::vector<std::string>& argv);
int run_cc(const std::vector<std::string>& argv);
int run_telemetry(const std::vector<std::string>& argv);  // exits 1 without hiredis (STREAMOPT_HAVE_REDIS)
int run_edge(const std::vector<std::string>& argv);
// `predictors evaluate`: throughput predictors scored on replayed sessions.
int run_predictors(const std::vector<std::string>& argv);
// `ensemble`: rung policies combined into one model file.
int run_ensemble(const std::vector<std::string>& argv);
// Built with the serve component only (STREAMOPT_HAVE_SERVE).
int run_serve(const std::vector<std::string>& argv);
// Built with the learn component only (STREAMOPT_HAVE_LEARN).
int run_train(const std::vector<std::string>& argv);
// `dataset build`: the learned predictors' feature tables (learn component only).
int run_dataset(const std::vector<std::string>& argv);
// Built with the codec component only (STREAMOPT_HAVE_CODECS).
int run_encode(const std::vector<std::string>& argv);

}  // namespace streamopt::cli
