// streamopt: the command-line tool.
#include <fmt/format.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "args.hpp"
#include "streamopt/error.hpp"
#include "streamopt/version.hpp"

namespace {

constexpr const char* kUsage = R"(streamopt - ABR decision engine, trace-driven simulators, QoE and congestion control

usage: streamopt COMMAND [options]

commands:
  simulate   play sessions of one controller over traces, write Pensieve-format logs
  evaluate   compare controllers (and the offline oracle) over trace sets
  traces     validate | convert | stats | synth network traces
  cc         run | compare congestion controllers on the packet-level link simulator
  edge       simulate many players sharing one link under bandwidth allocators
  telemetry  process | emit telemetry events over Redis Streams (when built with hiredis)
  encode     ladder | hull | live with real encoders (when built with the codec component)
  train      train a learned controller on traces (when built with the learn component)
  dataset    build the learned predictors' feature tables (when built with the learn component)
  predictors evaluate throughput predictors on replayed sessions
  ensemble   combine learned rung policies into one model file whose heads vote
  serve      the HTTP decision service (when built with the serve component)
  list       the controllers and predictors in the registry
  version    print the version

Run 'streamopt COMMAND --help' for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "simulate") return streamopt::cli::run_simulate(args);
    if (command == "evaluate") return streamopt::cli::run_evaluate(args);
    if (command == "traces") return streamopt::cli::run_traces(args);
    if (command == "cc") return streamopt::cli::run_cc(args);
    if (command == "telemetry") return streamopt::cli::run_telemetry(args);
    if (command == "edge") return streamopt::cli::run_edge(args);
    if (command == "predictors") return streamopt::cli::run_predictors(args);
    if (command == "ensemble") return streamopt::cli::run_ensemble(args);
#ifdef STREAMOPT_HAVE_CODECS
    if (command == "encode") return streamopt::cli::run_encode(args);
#else
    if (command == "encode") throw streamopt::Error("this build has no codec component (STREAMOPT_WITH_CODECS=OFF)");
#endif
#ifdef STREAMOPT_HAVE_SERVE
    if (command == "serve") return streamopt::cli::run_serve(args);
#else
    if (command == "serve") throw streamopt::Error("this build has no serve component (STREAMOPT_WITH_SERVE=OFF)");
#endif
#ifdef STREAMOPT_HAVE_LEARN
    if (command == "train") return streamopt::cli::run_train(args);
    if (command == "dataset") return streamopt::cli::run_dataset(args);
#else
    if (command == "dataset") throw streamopt::Error("this build has no learn component (STREAMOPT_WITH_TORCH=OFF)");
    if (command == "train") throw streamopt::Error("this build has no learn component (STREAMOPT_WITH_TORCH=OFF)");
#endif
    if (command == "list") return streamopt::cli::run_list(args);
    if (command == "version" || command == "--version") {
      fmt::print("streamopt {}\n", streamopt::kVersionString);
      return 0;
    }
    fmt::print(stderr, "streamopt: unknown command '{}'\n\n{}", command, kUsage);
    return 2;
  } catch (const streamopt::cli::UsageError& e) {
    fmt::print(stderr, "streamopt {}: error: {}\n", command, e.what());
    return 2;
  } catch (const streamopt::Error& e) {
    fmt::print(stderr, "streamopt {}: error: {}\n", command, e.what());
    return 1;
  } catch (const std::filesystem::filesystem_error& e) {
    // "filesystem error: cannot create directories: No space left on device [PATH]"
    fmt::print(stderr, "streamopt {}: error: {}\n", command, e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "streamopt {}: error: out of memory (the input is too large for this machine)\n", command);
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "streamopt {}: internal error: {}\n", command, e.what());
    return 3;
  }
}
