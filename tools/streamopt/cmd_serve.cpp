// streamopt serve: the HTTP decision service (docs/serve.md).
#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "args.hpp"
#include "streamopt/error.hpp"
#include "streamopt/serve.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::cli {

namespace {

// Ranges of the serve options (documented in docs/cli.md).
constexpr long long kMaxThreads = 256;
constexpr long long kMaxSessionsLimit = 10'000'000;
constexpr double kMaxSessionTtlS = 7 * 86400.0;
constexpr long long kMaxBodyBytesLimit = 1LL << 30;
constexpr double kMaxRttMs = 60'000;

struct ServeOptions {
  std::string listen;
  std::vector<std::string> videos;
  long long threads = 2;
  long long max_sessions = 10'000;
  double session_ttl_s = 300;
  long long max_body_bytes = 1 << 20;
  std::string origin;
  std::string origin_abr = "robust_mpc";
  std::string shape;
  double rtt_ms = 0;
};

// "HOST:PORT" or "[IPV6]:PORT" -> host and port (0..65535).
void split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw UsageError(fmt::format("--listen '{}' must be HOST:PORT (e.g. 127.0.0.1:8080, [::1]:0)", listen));
  }
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = listen.substr(colon + 1);
  unsigned value = 0;
  const auto r = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (port_text.empty() || r.ec != std::errc() || r.ptr != port_text.data() + port_text.size() || value > 65535) {
    throw UsageError(fmt::format("--listen '{}': port '{}' must be an integer in [0, 65535]", listen, port_text));
  }
  port = static_cast<std::uint16_t>(value);
}

}  // namespace

int run_serve(const std::vector<std::string>& argv) {
  CLI::App app("The HTTP decision service: sessions of controllers behind a JSON API (docs/serve.md).",
               "streamopt serve");
  configure(app);
  ServeOptions o;
  app.add_option("--listen", o.listen, "address to listen on; port 0 picks a free port (printed)")
      ->required()
      ->type_name("HOST:PORT");
  app.add_option("--video", o.videos, "a title's manifest directory, served under its name (repeatable)")
      ->type_name("DIR")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--threads", o.threads, "I/O threads [default: 2]")->type_name("N")->check(integer_in(1, kMaxThreads));
  app.add_option("--max-sessions", o.max_sessions, "open sessions at most; more is 503 [default: 10000]")
      ->type_name("N")
      ->check(integer_in(1, kMaxSessionsLimit));
  app.add_option("--session-ttl-s", o.session_ttl_s, "a session idle this long expires [default: 300]")
      ->type_name("S")
      ->check(number_above(0, kMaxSessionTtlS));
  app.add_option("--max-body-bytes", o.max_body_bytes, "larger request bodies are 413 [default: 1048576]")
      ->type_name("N")
      ->check(integer_in(1, kMaxBodyBytesLimit));
  auto* origin = app.add_option("--origin", o.origin,
                                 "serve this directory's titles (one subdirectory each) under /media/<title>/, "
                                 "with CMCD in and CMSD out")
                     ->type_name("DIR");
  auto* origin_abr = app.add_option("--origin-abr", o.origin_abr,
                                    "controller of the sessions CMCD opens, one per sid [default: robust_mpc]")
                         ->type_name("SPEC");
  auto* shape = app.add_option("--shape", o.shape,
                               "pace origin bodies to this trace's capacity (looped, shared by concurrent bodies)")
                    ->type_name("TRACE");
  auto* rtt = app.add_option("--rtt-ms", o.rtt_ms, "delay before the first byte of each origin response [default: 0]")
                  ->type_name("MS")
                  ->check(number_in(0, kMaxRttMs));
  if (!parse(app, argv)) return 0;
  needs(origin_abr, origin);
  needs(shape, origin);
  needs(rtt, origin);

  serve::ServerConfig server_config;
  split_listen(o.listen, server_config.host, server_config.port);
  server_config.threads = static_cast<unsigned>(o.threads);
  if (!o.shape.empty()) server_config.shape_trace = read_trace(o.shape);
  server_config.origin_rtt_s = o.rtt_ms / 1e3;
  std::vector<std::filesystem::path> dirs(o.videos.begin(), o.videos.end());
  serve::ServiceConfig service_config;
  service_config.max_sessions = static_cast<std::size_t>(o.max_sessions);
  service_config.session_ttl_s = o.session_ttl_s;
  service_config.max_body_bytes = static_cast<std::size_t>(o.max_body_bytes);
  service_config.origin_dir = o.origin;
  service_config.origin_abr = o.origin_abr;
  serve::Service service(serve::load_titles(dirs), service_config);
  serve::HttpServer server(service, server_config);
  fmt::print("streamopt serve: listening on {} ({} threads, {} titles)\n", server.address(), o.threads, dirs.size());
  if (!o.origin.empty()) {
    fmt::print("streamopt serve: origin {} under /media/ (sessions: {}{}{})\n", o.origin, o.origin_abr,
               o.shape.empty() ? "" : fmt::format(", shaped to {}", o.shape),
               o.rtt_ms > 0 ? fmt::format(", rtt {:g} ms", o.rtt_ms) : "");
  }
  std::fflush(stdout);
  server.run(true);
  fmt::print("streamopt serve: stopped ({} sessions open)\n", service.session_count());
  return 0;
}

}  // namespace streamopt::cli
