#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>

#include "core/text_io.hpp"
#include "serve/metrics.hpp"
#include "serve/origin.hpp"
#include "serve/request_error.hpp"
#include "serve/request_json.hpp"
#include "serve/session_store.hpp"
#include "streamopt/error.hpp"
#include "streamopt/options.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/serve.hpp"
#include "streamopt/validate.hpp"

namespace streamopt::serve {

namespace {

RequestError bad_request(const std::string& message) { return {400, ErrorKind::bad_request, message}; }

RequestError method_not_allowed(std::string_view method, std::string_view path, const char* allowed) {
  RequestError e(405, ErrorKind::method_not_allowed,
                 fmt::format("method {} is not allowed on {} (allowed: {})", detail::sanitize(method),
                             detail::sanitize(path, 64), allowed));
  e.headers.emplace_back("Allow", allowed);
  return e;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A request path split at '/': "/v1/sessions/ID/decide" -> {"v1", "sessions", "ID", "decide"}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    const auto end = path.find('/');
    parts.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return parts;
}

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse no_content() {
  HttpResponse r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

}  // namespace

struct Service::Impl {
  Impl(TitleMap served, ServiceConfig c)
      : titles(std::move(served)),
        config(std::move(c)),
        metrics(controller_names()),
        store(config.max_sessions, config.session_ttl_s, config.session_id_seed) {
    if (!config.clock_s) config.clock_s = steady_seconds;
    if (!config.origin_dir.empty()) {
      origin = std::make_unique<Origin>(config.origin_dir, titles, config.origin_abr, metrics, config.max_sessions,
                                        config.session_ttl_s, config.clock_s);
    }
  }

  static std::vector<std::string> controller_names() {
    std::vector<std::string> names;
    for (const auto& [name, summary] : Registry::builtin().abr_names()) names.push_back(name);
    return names;
  }

  HttpResponse route(const HttpRequest& request) {
    std::string_view path = request.target;
    std::string_view query;
    if (const auto q = path.find('?'); q != std::string_view::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (path.empty() || path.front() != '/') {
      throw RequestError(400, ErrorKind::bad_request,
                         fmt::format("request target '{}' is not a path", detail::sanitize(request.target, 64)));
    }
    if (origin && path.substr(0, kMediaPrefix.size()) == kMediaPrefix) {
      return origin->handle(request, path.substr(kMediaPrefix.size()), query);
    }
    const auto parts = split_path(path);
    const std::string_view method = request.method;
    if (parts.size() == 1 && parts[0] == "healthz") {
      if (method != "GET") throw method_not_allowed(method, path, "GET");
      return json_response(200, R"({"status":"ok"})");
    }
    if (parts.size() == 1 && parts[0] == "metrics") {
      if (method != "GET") throw method_not_allowed(method, path, "GET");
      HttpResponse r;
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = metrics.prometheus_text(store.size(),
                                       origin ? std::optional<std::size_t>(origin->session_count()) : std::nullopt);
      return r;
    }
    if (parts.size() >= 2 && parts[0] == "v1" && parts[1] == "sessions") {
      if (parts.size() == 2) {
        if (method != "POST") throw method_not_allowed(method, path, "POST");
        return create_session(request);
      }
      const std::string_view id = parts[2];
      if (parts.size() == 3) {
        if (method != "DELETE") throw method_not_allowed(method, path, "DELETE");
        if (!store.remove(id)) throw unknown_session(id);
        return no_content();
      }
      if (parts.size() == 4 && (parts[3] == "download" || parts[3] == "decide")) {
        if (method != "POST") throw method_not_allowed(method, path, "POST");
        return parts[3] == "download" ? download(request, id) : decide(request, id);
      }
    }
    throw RequestError(404, ErrorKind::not_found, fmt::format("no route for {} (see docs/serve.md)",
                                                              detail::sanitize(path, 64)));
  }

  static RequestError unknown_session(std::string_view id) {
    return {404, ErrorKind::not_found,
            fmt::format("session '{}' does not exist (deleted, expired, or never created)", detail::sanitize(id, 40))};
  }

  // The body of a POST as a JSON object: within the size limit, declared as
  // JSON (or not declared), parsed.
  nlohmann::json body_of(const HttpRequest& request) const {
    if (request.body.size() > config.max_body_bytes) {
      throw RequestError(413, ErrorKind::payload_too_large,
                         fmt::format("body of {} bytes is over the limit of {} bytes (--max-body-bytes)",
                                     request.body.size(), config.max_body_bytes));
    }
    for (const HttpHeader& h : request.headers) {
      if (!iequals(h.name, "Content-Type")) continue;
      const std::string_view type = trim(h.value.substr(0, h.value.find(';')));
      if (!iequals(type, "application/json")) {
        throw RequestError(415, ErrorKind::unsupported_media_type,
                           fmt::format("Content-Type '{}' is not application/json", detail::sanitize(type)));
      }
    }
    try {
      return parse_body(request.body);
    } catch (const Error& e) {
      throw RequestError(400, ErrorKind::bad_json, e.what());
    }
  }

  std::shared_ptr<Session> session_of(std::string_view id) const {
    auto session = store.find(id, config.clock_s());
    if (!session) throw unknown_session(id);
    return session;
  }

  HttpResponse create_session(const HttpRequest& request) {
    const auto body = body_of(request);
    CreateSessionRequest create;
    try {
      create = read_create_session(body);
    } catch (const Error& e) {
      throw bad_request(e.what());
    }
    std::shared_ptr<const Manifest> manifest;
    if (create.title) {
      const auto it = titles.find(*create.title);
      if (it == titles.end()) {
        std::string known;
        for (const auto& [name, m] : titles) known += (known.empty() ? "" : ", ") + name;
        throw bad_request(fmt::format("body: 'title' '{}' is not served here (titles: {})",
                                      detail::sanitize(*create.title), known.empty() ? "none" : known));
      }
      manifest = it->second;
    } else {
      try {
        manifest = std::make_shared<const Manifest>(Manifest::from_json(create.manifest_json, "body: 'manifest'"));
      } catch (const Error& e) {
        throw bad_request(e.what());
      }
    }
    std::unique_ptr<AbrController> controller;
    std::atomic<std::uint64_t>* counter = nullptr;
    try {
      const QoeModel qoe_check(create.qoe, *manifest);  // names the QoE spec when it is the bad one
      (void)qoe_check;
    } catch (const Error& e) {
      throw RequestError(400, ErrorKind::bad_spec,
                         fmt::format("body: 'qoe' '{}': {}", detail::sanitize(create.qoe, 64), e.what()));
    }
    try {
      controller = checked_controller(Registry::builtin().make_abr(create.abr, manifest, create.qoe), manifest);
      counter = metrics.decisions_counter(parse_spec(create.abr).name);
    } catch (const Error& e) {
      throw RequestError(400, ErrorKind::bad_spec,
                         fmt::format("body: 'abr' '{}': {}", detail::sanitize(create.abr, 64), e.what()));
    }
    if (counter == nullptr) throw std::logic_error("a built controller has no decisions counter");
    auto session = std::make_shared<Session>();
    session->controller = std::move(controller);
    session->manifest = std::move(manifest);
    session->decisions_total = counter;
    SessionStore::AddOutcome outcome;
    const auto id = store.add(std::move(session), config.clock_s(), outcome);
    metrics.record_sessions_expired(outcome.expired);
    if (!id) {
      RequestError e(503, ErrorKind::overloaded,
                     fmt::format("{} sessions are open, the limit (--max-sessions); retry later",
                                 config.max_sessions));
      e.headers.emplace_back("Retry-After", fmt::format("{}", static_cast<long long>(outcome.retry_after_s)));
      throw e;
    }
    metrics.record_session_created();
    return json_response(201, fmt::format(R"({{"session":"{}"}})", *id));
  }

  HttpResponse download(const HttpRequest& request, std::string_view id) {
    const auto session = session_of(id);
    const auto body = body_of(request);
    try {
      const DownloadReport report = read_download(body);
      const std::lock_guard lock(session->mutex);
      session->controller->on_download(report);
    } catch (const Error& e) {
      throw bad_request(e.what());
    }
    metrics.record_download();
    return no_content();
  }

  HttpResponse decide(const HttpRequest& request, std::string_view id) {
    const auto start = std::chrono::steady_clock::now();
    const auto session = session_of(id);
    const auto body = body_of(request);
    HttpResponse response;
    try {
      const PlayerState state = read_decide(body);
      Decision decision;
      {
        const std::lock_guard lock(session->mutex);
        decision = session->controller->decide(state);
      }
      response = json_response(200, decision_json(decision, session->manifest->bitrate_bps(decision.rung)));
    } catch (const Error& e) {
      throw bad_request(e.what());
    }
    metrics.record_decision(*session->decisions_total,
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return response;
  }

  HttpResponse error(int status, ErrorKind kind, std::string_view message,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    metrics.record_error(kind);
    HttpResponse r = json_response(status, error_json(message));
    r.headers = std::move(headers);
    return r;
  }

  TitleMap titles;
  ServiceConfig config;
  ServiceMetrics metrics;
  SessionStore store;
  std::unique_ptr<Origin> origin;  // with --origin only
};

namespace {

ServiceConfig checked(ServiceConfig config) {
  if (config.max_sessions == 0) throw Error("serve: max_sessions must be at least 1");
  if (!std::isfinite(config.session_ttl_s) || !(config.session_ttl_s > 0)) {
    throw Error(fmt::format("serve: session_ttl_s = {} must be a positive finite number", config.session_ttl_s));
  }
  if (config.max_body_bytes == 0) throw Error("serve: max_body_bytes must be at least 1");
  return config;
}

}  // namespace

Service::Service(TitleMap titles, ServiceConfig config)
    : impl_(std::make_unique<Impl>(std::move(titles), checked(std::move(config)))) {}

Service::~Service() = default;

HttpResponse Service::handle(const HttpRequest& request) noexcept {
  try {
    HttpResponse response;
    try {
      response = impl_->route(request);
    } catch (RequestError& e) {
      response = impl_->error(e.status(), e.kind(), e.what(), std::move(e.headers));
    } catch (const std::bad_alloc&) {
      response = impl_->error(500, ErrorKind::internal, "out of memory while handling the request");
    } catch (const std::exception& e) {
      response = impl_->error(500, ErrorKind::internal, fmt::format("internal error: {}", e.what()));
    }
    if (impl_->origin && request.target.substr(0, kMediaPrefix.size()) == kMediaPrefix) {
      response.origin = true;  // errors too: the RTT applies, and a browser may read them
      add_cors_headers(response);
    }
    return response;
  } catch (...) {
    HttpResponse r;
    r.status = 500;
    return r;
  }
}

HttpResponse Service::protocol_error(int status, std::string_view message) noexcept {
  try {
    const ErrorKind kind = status == 413 ? ErrorKind::payload_too_large : ErrorKind::bad_request;
    return impl_->error(status, kind, message);
  } catch (...) {
    HttpResponse r;
    r.status = status;
    return r;
  }
}

std::size_t Service::expire_idle() noexcept {
  try {
    const double now_s = impl_->config.clock_s();
    const std::size_t expired = impl_->store.expire(now_s);
    impl_->metrics.record_sessions_expired(expired);
    return expired + (impl_->origin ? impl_->origin->expire_idle(now_s) : 0);
  } catch (...) {  // a clock that threw or a lock that failed: expire on the next sweep
    return 0;
  }
}

std::size_t Service::session_count() const noexcept {
  try {
    return impl_->store.size();
  } catch (...) {
    return 0;
  }
}

const ServiceConfig& Service::config() const noexcept { return impl_->config; }

}  // namespace streamopt::serve
