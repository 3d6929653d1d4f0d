#pragma once
/// \file serve.hpp
/// The decision service (`streamopt serve`, docs/serve.md): controllers held
/// per session behind an HTTP/1.1 + JSON API. `Service` is the whole API
/// without sockets (method, target, headers and body in; status, headers and
/// body out), so it can be tested and fuzzed in-process; `HttpServer` puts
/// it on a listening socket. Part of the optional `streamopt::serve`
/// component: the engine never links networking.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "streamopt/manifest.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::serve {

/// The titles a service serves, by name (a `--video` directory's name).
using TitleMap = std::map<std::string, std::shared_ptr<const Manifest>>;

/// Loads every directory with `Manifest::load` once, named by the
/// directory's last path component. Throws `Error` naming the directory on a
/// bad manifest or when two directories have the same name.
TitleMap load_titles(const std::vector<std::filesystem::path>& dirs);

/// Limits and settings of a `Service`.
struct ServiceConfig {
  std::size_t max_sessions = 10'000;          ///< open sessions at most; more is 503
  double session_ttl_s = 300;                 ///< a session unused this long expires
  std::size_t max_body_bytes = 1 << 20;       ///< larger request bodies are 413
  std::uint64_t session_id_seed = 0;          ///< seeds session ids; 0 = from std::random_device
  /// Monotonic clock in seconds for session expiry and the origin's
  /// download times; empty = steady_clock. Tests pass their own to expire
  /// sessions without sleeping.
  std::function<double()> clock_s;
  /// Non-empty: serve the files of this directory's titles (one
  /// subdirectory each) under /media/<title>/..., with CMCD in and CMSD out
  /// (docs/serve.md). Empty: no origin (the routes under /media/ are 404).
  std::filesystem::path origin_dir;
  /// Controller spec of the sessions the origin opens for each new CMCD
  /// `sid` (`--origin-abr`).
  std::string origin_abr = "robust_mpc";
};

/// An open, read-only file the origin answers with; closed with the last
/// reference to it. Reads never move a shared file position, so one file
/// may serve several responses at once.
class OpenFile {
 public:
  /// Opens `path` read-only, refusing a symlink as its last component and
  /// anything that is not a regular file (a FIFO is refused without
  /// blocking). Throws `Error` naming the path.
  static std::shared_ptr<const OpenFile> open(const std::filesystem::path& path);
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  /// Size of the file when it was opened, bytes.
  [[nodiscard]] std::uint64_t size_bytes() const noexcept { return size_bytes_; }
  /// Reads up to `out.size()` bytes at `offset`; returns how many were read
  /// (0 past the end). Throws `Error` on an I/O error.
  std::size_t read_at(std::uint64_t offset, std::span<char> out) const;

 private:
  OpenFile(int fd, std::uint64_t size_bytes) : fd_(fd), size_bytes_(size_bytes) {}
  int fd_;
  std::uint64_t size_bytes_;
};

/// A region of an open file sent as a response body (the origin's files).
struct FileBody {
  std::shared_ptr<const OpenFile> file;  ///< the file
  std::uint64_t offset = 0;              ///< first byte sent
  std::uint64_t length = 0;              ///< bytes sent (the Content-Length)
  bool send = true;                      ///< false for HEAD: the length is announced, no body follows
  bool shaped = false;                   ///< paced by `--shape` (media segments; manifests and init segments are not)
};

/// One request header, as received (names compare case-insensitively).
struct HttpHeader {
  std::string_view name;   ///< e.g. "Content-Type"
  std::string_view value;  ///< e.g. "application/json"
};

/// A request as the HTTP layer parsed it; the views must outlive `handle`.
struct HttpRequest {
  std::string_view method;             ///< "GET", "POST", "DELETE", ...
  std::string_view target;             ///< path and optional query, e.g. "/v1/sessions"
  std::span<const HttpHeader> headers; ///< request headers
  std::string_view body;               ///< request body (may be empty)
};

/// A response: status, content type, extra headers (Allow, Retry-After) and
/// body (JSON, Prometheus text, or empty for 204).
struct HttpResponse {
  int status = 200;                                         ///< HTTP status code
  std::string content_type = "application/json";          ///< Content-Type of `body`
  std::vector<std::pair<std::string, std::string>> headers; ///< extra headers
  std::string body;                                         ///< response body
  /// Set: the body is this file region instead of `body` (origin files).
  std::optional<FileBody> file;
  /// An origin response: the server's RTT delay and trace pacing apply.
  bool origin = false;
  /// Called once by the HTTP layer when the response's last byte was
  /// written (true) or the connection failed first (false); how the origin
  /// measures a download on the service side. May be empty.
  std::function<void(bool sent)> on_sent;
};

/// The decision service: sessions (one checked controller each, built
/// through `Registry::builtin()`), their routes and the metrics. Thread-safe:
/// requests on different sessions run in parallel, requests on one session
/// are serialised by the session's own lock.
class Service {
 public:
  /// Serves `titles` under `config`. Throws `Error` on a config value out of
  /// range (zero sessions, a TTL that is not positive and finite, a zero
  /// body limit).
  explicit Service(TitleMap titles, ServiceConfig config = {});
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Answers one request (routes in docs/serve.md). Never throws: every
  /// failure is a JSON `{"error": "..."}` response naming the field, with
  /// 400, 404, 405, 413, 415 or 503 (500 only for an internal fault).
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) noexcept;

  /// The error response for a failure the HTTP layer found before a request
  /// reached `handle` (413 for a body over the limit, 400 for a malformed
  /// request), counted in the metrics like the service's own errors.
  [[nodiscard]] HttpResponse protocol_error(int status, std::string_view message) noexcept;

  /// Ends the sessions unused for longer than the TTL; returns how many.
  std::size_t expire_idle() noexcept;

  /// Sessions open now.
  [[nodiscard]] std::size_t session_count() const noexcept;

  /// The settings the service runs with.
  [[nodiscard]] const ServiceConfig& config() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Where and how an `HttpServer` listens.
struct ServerConfig {
  std::string host = "127.0.0.1";   ///< address to bind (IPv4 or IPv6 literal, or "localhost")
  std::uint16_t port = 8080;        ///< 0 = a free port, see `HttpServer::port()`
  unsigned threads = 2;             ///< I/O threads running the handlers
  double idle_timeout_s = 60;       ///< a keep-alive connection idle this long is closed
  double sweep_interval_s = 1;      ///< how often idle sessions are expired
  /// Set: origin response bodies are paced to this trace's capacity
  /// (bits per second, looped, time 0 when the server starts), shared
  /// equally by the bodies in flight (`--shape`). Must carry something.
  std::optional<NetworkTrace> shape_trace;
  /// Delay before the first byte of every origin response, seconds
  /// (`--rtt-ms`); 0 = none.
  double origin_rtt_s = 0;
};

/// HTTP/1.1 with keep-alive on Boost.Beast/Asio in front of a `Service`:
/// a few threads serve many connections asynchronously.
class HttpServer {
 public:
  /// Binds and listens. Throws `Error` naming the address when it cannot
  /// (bad host, port in use, no permission), or on a shape trace without
  /// capacity or an RTT that is negative or over 60 s. `service` must
  /// outlive it.
  HttpServer(Service& service, ServerConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// The bound port (the one the OS picked when the config said 0).
  [[nodiscard]] std::uint16_t port() const noexcept;
  /// "HOST:PORT" of the bound socket, IPv6 in brackets.
  [[nodiscard]] std::string address() const;

  /// Serves on `threads` threads until `stop()` or, when `stop_on_signals`,
  /// SIGINT or SIGTERM; then closes the listener and every connection and
  /// returns.
  void run(bool stop_on_signals);
  /// Makes `run()` return; thread-safe.
  void stop() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace streamopt::serve
