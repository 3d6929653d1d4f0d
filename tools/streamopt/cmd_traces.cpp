// streamopt traces validate | convert | stats | synth
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "args.hpp"
#include "streamopt/error.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

namespace {

namespace fs = std::filesystem;

// Ranges of the trace options (documented in docs/cli.md).
constexpr double kMinStepS = 0.001;
constexpr double kMaxStepS = 3600;
constexpr double kMaxDurationS = 7 * 86400;
constexpr double kMaxMbps = 100000;

struct ReadOptions {
  std::string from = "auto";
  double bin_s = 0.5;
};

void add_read_options(CLI::App& app, ReadOptions& o) {
  app.add_option("--from", o.from, "input format [default: auto]")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"auto", "cooked", "mahimahi", "sabre"}));
  app.add_option("--bin-s", o.bin_s, "Mahimahi input: bin delivery opportunities into windows of S seconds [default: 0.5]")
      ->type_name("S")
      ->check(number_in(kMinStepS, kMaxStepS));
}

int validate(const std::vector<std::string>& paths, const ReadOptions& o) {
  const TraceFormat format = parse_trace_format(o.from);
  std::size_t good = 0;
  std::size_t bad = 0;
  for (const auto& p : paths) {
    for (const auto& file : list_trace_files(p)) {
      try {
        const auto trace = read_trace(file, format, o.bin_s);
        fmt::print("ok    {} ({} samples, {:.1f} s)\n", file.string(), trace.time_s.size(), trace.duration_s());
        ++good;
      } catch (const Error& e) {
        fmt::print("BAD   {}\n", e.what());
        ++bad;
      }
    }
  }
  fmt::print("{} valid, {} invalid\n", good, bad);
  return bad ? 1 : 0;
}

int stats(const std::vector<std::string>& paths, const ReadOptions& o) {
  const TraceFormat format = parse_trace_format(o.from);
  fmt::print("{:<48} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "trace", "samples",
             "duration", "mean_Mbps", "p10", "p50", "p90", "min", "max", "outage_s");
  for (const auto& p : paths) {
    for (const auto& file : list_trace_files(p)) {
      const auto s = trace_stats(read_trace(file, format, o.bin_s));
      fmt::print("{:<48} {:>7} {:>9.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.1f}\n",
                 file.filename().string(), s.samples, s.duration_s, s.mean_bps / 1e6, s.p10_bps / 1e6,
                 s.p50_bps / 1e6, s.p90_bps / 1e6, s.min_bps / 1e6, s.max_bps / 1e6, s.outage_s);
    }
  }
  return 0;
}

// True when `a` and `b` name one file: the same path once normalised and
// symbolic links resolved, or (when both exist) the same inode, as hard links.
bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
  std::error_code ea;
  std::error_code eb;
  const fs::path ca = fs::weakly_canonical(a, ea);
  const fs::path cb = fs::weakly_canonical(b, eb);
  if (!ea && !eb) return ca == cb;
  return fs::absolute(a, ec).lexically_normal() == fs::absolute(b, ec).lexically_normal();
}

struct ConvertOptions {
  ReadOptions read;
  std::string in;
  std::string out;
  std::string to;
  bool fill_zeros = false;
  bool keep_duplicates = false;
  double resample_s = 0;
};

int convert(const ConvertOptions& o) {
  if (same_file(o.in, o.out)) {
    throw UsageError(fmt::format("traces convert: IN and OUT are the same file ({}); write to another path", o.in));
  }
  const auto trace = read_trace(o.in, parse_trace_format(o.read.from), o.read.bin_s);
  CleanOptions clean;
  clean.zeros = o.fill_zeros ? ZeroPolicy::fill : ZeroPolicy::keep;
  clean.merge_duplicate_times = !o.keep_duplicates;
  clean.resample_step_s = o.resample_s;
  write_trace(clean_trace(trace, clean), o.out, parse_trace_format(o.to));
  fmt::print("wrote {}\n", o.out);
  return 0;
}

struct SynthOptions {
  std::string kind;
  std::string out;
  std::string format = "cooked";
  long long count = 1;
  long long seed = 1;
  double duration_s = 320;
  double step_s = 1;
  double mean_mbps = 2;
  double low_mbps = 0.5;
  double high_mbps = 3;
  double period_s = 40;
  double min_mbps = 0.2;
  double max_mbps = 6;
  long long states = 10;
  double switch_prob = 0.1;
  double noise = 0.15;
  // Options of one kind only, by kind.
  std::vector<std::pair<std::string, CLI::Option*>> kind_options;
};

void add_synth_options(CLI::App& app, SynthOptions& o) {
  app.add_option("--kind", o.kind, "generator")->required()->type_name("KIND")->check(
      CLI::IsMember({"markov", "step", "constant"}));
  app.add_option("--out", o.out,
                 "a file (with --count 1, when not an existing directory) or a directory of KIND_SEED.log files")
      ->required()
      ->type_name("FILE|DIR");
  app.add_option("--count", o.count, "traces to write, seeds SEED, SEED+1, ... [default: 1]")
      ->type_name("N")
      ->check(integer_in(1, 100000));
  app.add_option("--seed", o.seed, "first seed [default: 1]")->type_name("N")->check(integer_in(0, 1000000000000000000LL));
  app.add_option("--format", o.format, "output format [default: cooked]")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"cooked", "mahimahi", "sabre"}));
  app.add_option("--duration-s", o.duration_s, "trace length [default: 320]")
      ->type_name("S")
      ->check(number_above(0, kMaxDurationS));
  app.add_option("--step-s", o.step_s, "sample spacing [default: 1]")->type_name("S")->check(number_in(kMinStepS, kMaxStepS));
  const auto kind_option = [&](const char* kind, const char* name, auto& value, const char* type, const char* help,
                               CLI::Validator check) {
    o.kind_options.emplace_back(kind, app.add_option(name, value, help)->type_name(type)->check(std::move(check)));
  };
  kind_option("constant", "--mean-mbps", o.mean_mbps, "MBPS", "constant: throughput [default: 2]", number_above(0, kMaxMbps));
  kind_option("step", "--high-mbps", o.high_mbps, "MBPS", "step: the high level, first [default: 3]", number_in(0, kMaxMbps));
  kind_option("step", "--low-mbps", o.low_mbps, "MBPS", "step: the low level [default: 0.5]", number_in(0, kMaxMbps));
  kind_option("step", "--period-s", o.period_s, "S", "step: period of the square wave [default: 40]",
              number_above(0, kMaxDurationS));
  kind_option("markov", "--min-mbps", o.min_mbps, "MBPS", "markov: lowest state mean [default: 0.2]", number_above(0, kMaxMbps));
  kind_option("markov", "--max-mbps", o.max_mbps, "MBPS", "markov: highest state mean [default: 6]", number_above(0, kMaxMbps));
  kind_option("markov", "--states", o.states, "N", "markov: log-spaced states between min and max [default: 10]",
              integer_in(1, 1000));
  kind_option("markov", "--switch-prob", o.switch_prob, "P", "markov: per step, move to another state [default: 0.1]",
              number_in(0, 1));
  kind_option("markov", "--noise", o.noise, "F", "markov: relative Gaussian noise within a state [default: 0.15]",
              number_in(0, 10));
}

int synth(const SynthOptions& o) {
  for (const auto& [kind, option] : o.kind_options) {
    if (kind != o.kind) refuse(option, fmt::format("to --kind {} (only to --kind {})", o.kind, kind));
  }
  if (o.duration_s / o.step_s > static_cast<double>(kMaxTraceSamples)) {
    throw UsageError(fmt::format("--duration-s {} / --step-s {} makes more than {} samples", o.duration_s, o.step_s,
                                 kMaxTraceSamples));
  }
  if (o.kind == "markov" && o.min_mbps > o.max_mbps) {
    throw UsageError(fmt::format("--min-mbps {} exceeds --max-mbps {}", o.min_mbps, o.max_mbps));
  }
  const TraceFormat format = parse_trace_format(o.format);
  const auto make = [&](std::uint64_t s) {
    if (o.kind == "constant") return synth_constant(o.mean_mbps * 1e6, o.duration_s, o.step_s);
    if (o.kind == "step") return synth_step(o.high_mbps * 1e6, o.low_mbps * 1e6, o.period_s, o.duration_s, o.step_s);
    MarkovTraceOptions m;
    m.min_bps = o.min_mbps * 1e6;
    m.max_bps = o.max_mbps * 1e6;
    m.states = static_cast<std::size_t>(o.states);
    m.switch_probability = o.switch_prob;
    m.noise = o.noise;
    m.duration_s = o.duration_s;
    m.step_s = o.step_s;
    return synth_markov(m, s);
  };
  const auto seed = static_cast<std::uint64_t>(o.seed);
  if (o.count == 1 && !fs::is_directory(o.out)) {
    write_trace(make(seed), o.out, format);
    fmt::print("wrote {}\n", o.out);
    return 0;
  }
  fs::create_directories(o.out);
  for (long long i = 0; i < o.count; ++i) {
    const auto s = seed + static_cast<std::uint64_t>(i);
    write_trace(make(s), fs::path(o.out) / fmt::format("{}_{:04}.log", o.kind, s), format);
  }
  fmt::print("wrote {} traces to {}\n", o.count, o.out);
  return 0;
}

}  // namespace

int run_traces(const std::vector<std::string>& argv) {
  CLI::App app("Validates, summarises, converts and synthesises network traces.", "streamopt traces");
  configure(app);
  app.require_subcommand(1);

  std::vector<std::string> validate_paths;
  ReadOptions validate_read;
  auto* validate_cmd = app.add_subcommand("validate", "check trace files or directories; exit 1 if any is bad");
  validate_cmd->add_option("PATH", validate_paths, "trace files or directories")->required();
  add_read_options(*validate_cmd, validate_read);

  std::vector<std::string> stats_paths;
  ReadOptions stats_read;
  auto* stats_cmd = app.add_subcommand("stats", "duration, mean, p10/p50/p90, min/max, outage time");
  stats_cmd->add_option("PATH", stats_paths, "trace files or directories")->required();
  add_read_options(*stats_cmd, stats_read);

  ConvertOptions convert_options;
  auto* convert_cmd = app.add_subcommand("convert", "convert one trace (refuses to write over its input)");
  convert_cmd->add_option("IN", convert_options.in, "input trace")->required();
  convert_cmd->add_option("OUT", convert_options.out, "output trace, written through a temporary file")->required();
  convert_cmd->add_option("--to", convert_options.to, "output format")
      ->required()
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"cooked", "mahimahi", "sabre"}));
  add_read_options(*convert_cmd, convert_options.read);
  convert_cmd->add_flag("--fill-zeros", convert_options.fill_zeros,
                        "replace each zero-throughput run by the previous non-zero sample");
  convert_cmd->add_flag("--keep-duplicates", convert_options.keep_duplicates,
                        "keep samples sharing a timestamp [default: keep the last of them]");
  convert_cmd->add_option("--resample-s", convert_options.resample_s,
                          "resample to this fixed step (time-weighted mean) [default: keep the samples]")
      ->type_name("STEP")
      ->check(number_in(kMinStepS, kMaxStepS));

  SynthOptions synth_options;
  auto* synth_cmd = app.add_subcommand("synth", "seeded synthetic traces");
  add_synth_options(*synth_cmd, synth_options);

  app.footer("Run 'streamopt traces SUBCOMMAND --help' for a subcommand's options.");
  if (argv.empty()) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  if (!parse(app, argv)) return 0;
  if (*validate_cmd) return validate(validate_paths, validate_read);
  if (*stats_cmd) return stats(stats_paths, stats_read);
  if (*convert_cmd) return convert(convert_options);
  return synth(synth_options);
}

}  // namespace streamopt::cli
