// streamopt telemetry process | emit: the Redis Streams telemetry pipeline
// (docs/telemetry.md).
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "args.hpp"
#include "core/text_io.hpp"
#include "streamopt/error.hpp"
#include "streamopt/telemetry.hpp"
#ifdef STREAMOPT_HAVE_REDIS
#include "streamopt/telemetry_redis.hpp"
#endif

namespace streamopt::cli {

namespace {

// Ranges of the telemetry options (documented in docs/cli.md).
constexpr double kMaxWindowS = 86400;
constexpr double kMaxIntervalS = 3600;
constexpr long long kMaxEvents = 1000000000000LL;
// Largest events file `emit` reads.
constexpr std::uintmax_t kMaxEventsFileBytes = std::uintmax_t{256} << 20;

struct ProcessOptions {
  std::string redis;
  std::string stream;
  std::string group = "streamopt-processors";
  std::string consumer;
  double window_s = 10;
  std::string metrics_out;
  double interval_s = 10;
  long long max_events = 0;
  double idle_exit_s = 0;
  double claim_idle_s = 30;
};

struct EmitOptions {
  std::string redis;
  std::string stream;
  std::string file;
};

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) { g_stop.store(true); }

#ifdef STREAMOPT_HAVE_REDIS

RedisEndpoint endpoint_of(const std::string& url, const std::string& stream) {
  RedisEndpoint e = parse_redis_url(url);
  if (!stream.empty()) e.stream = stream;
  return e;
}

std::string default_consumer() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof host, "host");
  return fmt::format("processor-{}-{}", host, static_cast<long long>(getpid()));
}

// Megabits per second for the summary ("-" without samples).
std::string mbps(double bps) { return std::isnan(bps) ? "-" : fmt::format("{:.3f}", bps / 1e6); }
std::string plain(double v, const char* spec) { return std::isnan(v) ? "-" : fmt::format(fmt::runtime(spec), v); }

void report(const TelemetryWindow& window, const ProcessOptions& o) {
  const double now_s = window.latest_time_s();
  if (!o.metrics_out.empty()) detail::write_file_atomic(o.metrics_out, window.prometheus_text(now_s));
  fmt::print("telemetry: {} events, {} rejected, window {} s ending at {:.3f} s\n", window.events_total(),
             window.rejected_total(), window.window_s(), now_s);
  const std::vector<std::string> groups = window.groups();
  if (groups.empty()) return;
  fmt::print("{:<24} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "group", "events", "sessions", "p10_Mbps",
             "p50_Mbps", "p90_Mbps", "rebuffer", "qoe", "prior");
  for (const std::string& g : groups) {
    const GroupStats s = window.stats(g, now_s);
    const auto prior = window.prior_throughput_bps(g, now_s);
    fmt::print("{:<24} {:>7} {:>8} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}\n", g.empty() ? "(none)" : detail::sanitize(g, 24),
               s.events, s.sessions, mbps(s.throughput_p10_bps), mbps(s.throughput_p50_bps), mbps(s.throughput_p90_bps),
               plain(s.rebuffer_ratio, "{:.4f}"), plain(s.qoe_mean, "{:.3f}"), prior ? mbps(*prior) : "-");
  }
  std::fflush(stdout);
}

int process(const ProcessOptions& o) {
  using Clock = std::chrono::steady_clock;
  RedisProcessorOptions po;
  po.group = o.group;
  po.consumer = o.consumer.empty() ? default_consumer() : o.consumer;
  po.claim_idle_s = o.claim_idle_s;
  const RedisEndpoint endpoint = endpoint_of(o.redis, o.stream);
  TelemetryWindow window(o.window_s);
  RedisStreamProcessor processor(endpoint, po);  // throws when Redis cannot be reached
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  fmt::print(stderr, "telemetry: consumer '{}' of group '{}' on {}\n", po.consumer, po.group, endpoint.url());
  const auto seconds = [](double s) { return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s)); };
  Clock::time_point last_activity = Clock::now();
  Clock::time_point next_report = last_activity + seconds(o.interval_s);
  std::uint64_t handled = 0;
  while (!g_stop.load()) {
    try {
      const RedisPollCounts c = processor.poll(window);
      if (c.accepted + c.rejected > 0) last_activity = Clock::now();
      handled += c.accepted + c.rejected;
    } catch (const Error& e) {  // Redis went away: keep trying, the next poll reconnects
      fmt::print(stderr, "telemetry: {} (retrying)\n", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    const Clock::time_point now = Clock::now();
    if (o.max_events > 0 && handled >= static_cast<std::uint64_t>(o.max_events)) break;
    if (o.idle_exit_s > 0 && now - last_activity >= seconds(o.idle_exit_s)) break;
    if (now >= next_report) {
      report(window, o);
      next_report = now + seconds(o.interval_s);
    }
  }
  report(window, o);
  return 0;
}

int emit(const EmitOptions& o) {
  const std::vector<detail::Line> lines = detail::read_lines(o.file, kMaxEventsFileBytes);
  std::vector<TelemetryEvent> events;
  events.reserve(lines.size());
  for (const detail::Line& line : lines) {
    try {
      events.push_back(parse_telemetry_event(line.text));
    } catch (const Error& e) {
      throw Error(fmt::format("{}: {}", detail::location(std::filesystem::path(o.file), line.number), e.what()));
    }
  }
  RedisSinkOptions so;
  so.queue_capacity = std::max<std::size_t>(1, events.size());
  so.close_timeout_s = 10;
  RedisStreamSink sink(endpoint_of(o.redis, o.stream), so);
  for (const TelemetryEvent& e : events) sink.emit(e);
  sink.flush(10);
  const RedisSinkCounters c = sink.counters();
  if (c.sent != events.size()) {
    throw Error(fmt::format("{}: sent {} of {} events ({} failed, {} dropped; is Redis up?)", sink.endpoint().url(),
                            c.sent, events.size(), c.failed, c.dropped));
  }
  fmt::print("telemetry: sent {} events to {}\n", c.sent, sink.endpoint().url());
  return 0;
}

#else

[[noreturn]] void no_redis() {
  throw Error("this build has no Redis support (STREAMOPT_WITH_REDIS=OFF, or hiredis was not found: install libhiredis-dev)");
}
int process(const ProcessOptions&) { no_redis(); }
int emit(const EmitOptions&) { no_redis(); }

#endif

void add_redis_options(CLI::App& app, std::string& redis, std::string& stream) {
  app.add_option("--redis", redis, "the server and stream: redis://HOST[:PORT][/STREAM]")->required()->type_name("URL");
  app.add_option("--stream", stream, "the stream key, overriding the URL's [default: streamopt:telemetry]")
      ->type_name("NAME");
}

}  // namespace

int run_telemetry(const std::vector<std::string>& argv) {
  CLI::App app("The telemetry pipeline over Redis Streams (docs/telemetry.md).", "streamopt telemetry");
  configure(app);
  app.require_subcommand(1);
  ProcessOptions po;
  auto* process_cmd = app.add_subcommand(
      "process", "consume the stream in a consumer group, keep sliding-window aggregates per group, export them");
  add_redis_options(*process_cmd, po.redis, po.stream);
  process_cmd->add_option("--group", po.group, "consumer group [default: streamopt-processors]")->type_name("NAME");
  process_cmd->add_option("--consumer", po.consumer, "this processor's name in the group [default: processor-HOST-PID]")
      ->type_name("NAME");
  process_cmd->add_option("--window-s", po.window_s, "sliding window length [default: 10]")
      ->type_name("S")
      ->check(number_above(0, kMaxWindowS));
  process_cmd->add_option("--metrics-out", po.metrics_out, "write the Prometheus text here (atomically) every interval")
      ->type_name("FILE");
  process_cmd->add_option("--interval-s", po.interval_s, "report every S seconds [default: 10]")
      ->type_name("S")
      ->check(number_above(0, kMaxIntervalS));
  process_cmd->add_option("--max-events", po.max_events, "stop after handling N entries (0: no limit) [default: 0]")
      ->type_name("N")
      ->check(integer_in(0, kMaxEvents));
  process_cmd->add_option("--idle-exit-s", po.idle_exit_s, "stop after S seconds without entries (0: never) [default: 0]")
      ->type_name("S")
      ->check(number_in(0, kMaxWindowS));
  process_cmd->add_option("--claim-idle-s", po.claim_idle_s,
                          "claim other consumers' pending entries idle this long [default: 30]")
      ->type_name("S")
      ->check(number_in(0, kMaxWindowS));
  EmitOptions eo;
  auto* emit_cmd = app.add_subcommand("emit", "append the events of a JSON-lines file to the stream");
  add_redis_options(*emit_cmd, eo.redis, eo.stream);
  emit_cmd->add_option("--file", eo.file, "events, one JSON object a line")->required()->type_name("EVENTS.jsonl");
  app.footer("Run 'streamopt telemetry SUBCOMMAND --help' for a subcommand's options.");
  if (argv.empty()) {
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  if (!parse(app, argv)) return 0;
  if (*process_cmd) return process(po);
  (void)emit_cmd;
  return emit(eo);
}

}  // namespace streamopt::cli
