// streamopt traces validate | convert | stats | synth
#include <fmt/format.h>

#include <filesystem>

#include "args.hpp"
#include "streamopt/error.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kHelp = R"(usage: streamopt traces SUBCOMMAND ...

  validate PATH...                 check trace files or directories; exit 1 if any is bad
  stats PATH...                    duration, mean, p10/p50/p90, min/max, outage time
  convert IN OUT --to FORMAT       convert one trace (FORMAT: cooked | mahimahi | sabre)
      [--from FORMAT] [--bin-s 0.5] [--fill-zeros] [--keep-duplicates] [--resample-s STEP]
  synth --kind markov|step|constant --out FILE|DIR [--count N] [--seed N] [--format cooked]
      [--duration-s 320] [--step-s 1] [--mean-mbps 2] [--low-mbps 0.5] [--high-mbps 3]
      [--period-s 40] [--min-mbps 0.2] [--max-mbps 6] [--states 10] [--switch-prob 0.1]
      [--noise 0.15]
)";

int validate(const std::vector<std::string>& paths, const Args& a) {
  if (paths.empty()) throw Error("traces validate: give at least one PATH");
  const TraceFormat format = parse_trace_format(a.get("from", "auto"));
  std::size_t good = 0;
  std::size_t bad = 0;
  for (const auto& p : paths) {
    for (const auto& file : list_trace_files(p)) {
      try {
        const auto trace = read_trace(file, format, a.get_double("bin-s", 0.5));
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

int stats(const std::vector<std::string>& paths, const Args& a) {
  if (paths.empty()) throw Error("traces stats: give at least one PATH");
  const TraceFormat format = parse_trace_format(a.get("from", "auto"));
  fmt::print("{:<48} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "trace", "samples",
             "duration", "mean_Mbps", "p10", "p50", "p90", "min", "max", "outage_s");
  for (const auto& p : paths) {
    for (const auto& file : list_trace_files(p)) {
      const auto s = trace_stats(read_trace(file, format, a.get_double("bin-s", 0.5)));
      fmt::print("{:<48} {:>7} {:>9.1f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.3f} {:>9.1f}\n",
                 file.filename().string(), s.samples, s.duration_s, s.mean_bps / 1e6, s.p10_bps / 1e6,
                 s.p50_bps / 1e6, s.p90_bps / 1e6, s.min_bps / 1e6, s.max_bps / 1e6, s.outage_s);
    }
  }
  return 0;
}

int convert(const std::vector<std::string>& paths, const Args& a) {
  if (paths.size() != 2) throw Error("traces convert: expected IN and OUT");
  const auto trace = read_trace(paths[0], parse_trace_format(a.get("from", "auto")), a.get_double("bin-s", 0.5));
  CleanOptions clean;
  clean.zeros = a.has("fill-zeros") ? ZeroPolicy::fill : ZeroPolicy::keep;
  clean.merge_duplicate_times = !a.has("keep-duplicates");
  clean.resample_step_s = a.get_double("resample-s", 0.0);
  const TraceFormat to = parse_trace_format(a.required("to"));
  if (to == TraceFormat::automatic) throw Error("traces convert: --to must name a format");
  write_trace(clean_trace(trace, clean), paths[1], to);
  fmt::print("wrote {}\n", paths[1]);
  return 0;
}

int synth(const Args& a) {
  const std::string kind = a.required("kind");
  const std::string out = a.required("out");
  const long count = a.get_int("count", 1);
  if (count < 1 || count > 100000) throw Error("--count must be in 1..100000");
  const auto seed = static_cast<std::uint64_t>(a.get_int("seed", 1));
  const double duration = a.get_double("duration-s", 320.0);
  const double step = a.get_double("step-s", 1.0);
  const TraceFormat format = parse_trace_format(a.get("format", "cooked"));
  if (format == TraceFormat::automatic) throw Error("--format must name a format");
  const auto make = [&](std::uint64_t s) {
    if (kind == "constant") return synth_constant(a.get_double("mean-mbps", 2.0) * 1e6, duration, step);
    if (kind == "step") {
      return synth_step(a.get_double("high-mbps", 3.0) * 1e6, a.get_double("low-mbps", 0.5) * 1e6,
                        a.get_double("period-s", 40.0), duration, step);
    }
    if (kind == "markov") {
      MarkovTraceOptions o;
      o.min_bps = a.get_double("min-mbps", 0.2) * 1e6;
      o.max_bps = a.get_double("max-mbps", 6.0) * 1e6;
      o.states = static_cast<std::size_t>(std::max(1L, a.get_int("states", 10)));
      o.switch_probability = a.get_double("switch-prob", 0.1);
      o.noise = a.get_double("noise", 0.15);
      o.duration_s = duration;
      o.step_s = step;
      return synth_markov(o, s);
    }
    throw Error(fmt::format("unknown --kind '{}' (known: markov, step, constant)", kind));
  };
  if (count == 1 && !fs::is_directory(out)) {
    write_trace(make(seed), out, format);
    fmt::print("wrote {}\n", out);
    return 0;
  }
  fs::create_directories(out);
  for (long i = 0; i < count; ++i) {
    const auto s = seed + static_cast<std::uint64_t>(i);
    write_trace(make(s), fs::path(out) / fmt::format("{}_{:04}.log", kind, s), format);
  }
  fmt::print("wrote {} traces to {}\n", count, out);
  return 0;
}

}  // namespace

int run_traces(const std::vector<std::string>& argv) {
  const Args a(argv,
               {"from", "to", "bin-s", "resample-s", "kind", "out", "count", "seed", "format", "duration-s",
                "step-s", "mean-mbps", "low-mbps", "high-mbps", "period-s", "min-mbps", "max-mbps", "states",
                "switch-prob", "noise"},
               {"help", "fill-zeros", "keep-duplicates"});
  if (a.has("help") || a.positional().empty()) {
    fmt::print("{}", kHelp);
    return a.has("help") ? 0 : 2;
  }
  const std::string sub = a.positional().front();
  const std::vector<std::string> rest(a.positional().begin() + 1, a.positional().end());
  if (sub == "validate") return validate(rest, a);
  if (sub == "stats") return stats(rest, a);
  if (sub == "convert") return convert(rest, a);
  if (sub == "synth") {
    if (!rest.empty()) throw Error(fmt::format("traces synth: unexpected argument '{}'", rest.front()));
    return synth(a);
  }
  throw Error(fmt::format("unknown subcommand '{}' (validate, stats, convert, synth)", sub));
}

}  // namespace streamopt::cli
