// The decision service's handler, in-process (no sockets): every route,
// every error status, session expiry and limits, and inline manifests.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "serve/idle_map.hpp"
#include "serve/request_json.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/serve.hpp"
#include "streamopt/validate.hpp"

using namespace streamopt;
using namespace streamopt::serve;
using Catch::Matchers::Contains;
using Json = nlohmann::json;

namespace {

std::shared_ptr<const Manifest> envivio() {
  return std::make_shared<const Manifest>(Manifest::synthetic_default(7));
}

// A service over one title, "envivio", with a clock the test moves.
struct Fixture {
  explicit Fixture(std::size_t max_sessions = 100, double ttl_s = 60, std::size_t max_body_bytes = 1 << 16) {
    ServiceConfig config;
    config.max_sessions = max_sessions;
    config.session_ttl_s = ttl_s;
    config.max_body_bytes = max_body_bytes;
    config.session_id_seed = 42;
    config.clock_s = [this] { return now_s.load(); };
    service = std::make_unique<Service>(TitleMap{{"envivio", manifest}}, config);
  }

  HttpResponse call(std::string_view method, std::string_view target, std::string_view body = {},
                    std::vector<HttpHeader> headers = {{"Content-Type", "application/json"}}) {
    return service->handle(HttpRequest{method, target, headers, body});
  }

  std::string create(std::string_view abr = "bola") {
    const auto r = call("POST", "/v1/sessions", Json{{"abr", abr}, {"title", "envivio"}}.dump());
    INFO(r.body);
    REQUIRE(r.status == 201);
    return Json::parse(r.body).at("session").get<std::string>();
  }

  std::shared_ptr<const Manifest> manifest = envivio();
  std::atomic<double> now_s{1000};
  std::unique_ptr<Service> service;
};

std::string error_of(const HttpResponse& r) { return Json::parse(r.body).at("error").get<std::string>(); }

std::string state_body(double now_s, double buffer_s, std::size_t next, std::size_t left, Json last_rung = nullptr) {
  Json state = {{"now_s", now_s}, {"buffer_s", buffer_s}, {"next_segment", next}, {"segments_left", left}};
  if (!last_rung.is_null()) state["last_rung"] = last_rung;
  return Json{{"state", state}}.dump();
}

std::string report_body(std::size_t segment, std::size_t rung, std::uint64_t size_bytes, double start_s,
                        double download_s) {
  return Json{{"segment", segment},
              {"rung", rung},
              {"size_bytes", size_bytes},
              {"start_time_s", start_s},
              {"download_time_s", download_s}}
      .dump();
}

// A two-rung, three-segment inline manifest.
Json inline_manifest() {
  return {{"name", "clip"},
          {"segment_duration_s", 2.0},
          {"segments", 3},
          {"rungs",
           {{{"bitrate_kbps", 500}, {"sizes_bytes", {120000, 130000, 125000}}},
            {{"bitrate_kbps", 2000}, {"sizes_bytes", {500000, 510000, 490000}}}}}};
}

}  // namespace

TEST_CASE("GET /healthz answers 200 and other methods on it 405 with Allow", "[serve]") {
  Fixture f;
  const auto ok = f.call("GET", "/healthz");
  CHECK(ok.status == 200);
  CHECK(Json::parse(ok.body).at("status") == "ok");
  const auto wrong = f.call("POST", "/healthz");
  CHECK(wrong.status == 405);
  CHECK_THAT(error_of(wrong), Contains("POST") && Contains("/healthz"));
  REQUIRE(wrong.headers.size() == 1);
  CHECK(wrong.headers[0] == std::pair<std::string, std::string>{"Allow", "GET"});
}

TEST_CASE("A session decides what the same checked controller decides in-process", "[serve]") {
  Fixture f;
  const std::string id = f.create("robust_mpc:horizon=5");
  auto reference = checked_controller(Registry::builtin().make_abr("robust_mpc:horizon=5", f.manifest), f.manifest);
  double now_s = 0;
  std::size_t last = kNoRung;
  for (std::size_t segment = 0; segment < 6; ++segment) {
    PlayerState state;
    state.now_s = now_s;
    state.buffer_s = 2.0 * static_cast<double>(segment);
    state.next_segment = segment;
    state.segments_left = f.manifest->segment_count() - segment;
    state.last_rung = last;
    const Decision expected = reference->decide(state);
    const auto r = f.call("POST", "/v1/sessions/" + id + "/decide",
                          state_body(state.now_s, state.buffer_s, segment, state.segments_left,
                                     last == kNoRung ? Json(nullptr) : Json(last)));
    INFO(r.body);
    REQUIRE(r.status == 200);
    const Json answer = Json::parse(r.body);
    CHECK(answer.at("rung").get<std::size_t>() == expected.rung);
    CHECK(answer.at("delay_s").get<double>() == expected.delay_s);
    CHECK(answer.at("bitrate_bps").get<double>() == f.manifest->bitrate_bps(expected.rung));
    CHECK(answer.at("reasons").at("rule").get<std::string>() == expected.reasons.rule);
    // "plan" is left out when the rule has none (the start-up decision).
    CHECK(answer.at("reasons").value("plan", std::vector<std::size_t>{}) == expected.reasons.plan);
    // Report a download at 3 Mbit/s to both.
    const std::uint64_t size = f.manifest->segment_size_bytes(segment, expected.rung);
    const double download_s = static_cast<double>(size) * 8 / 3e6;
    DownloadReport report{segment, expected.rung, size, now_s, download_s};
    reference->on_download(report);
    const auto d = f.call("POST", "/v1/sessions/" + id + "/download",
                          report_body(segment, expected.rung, size, now_s, download_s));
    INFO(d.body);
    CHECK(d.status == 204);
    CHECK(d.body.empty());
    now_s += download_s;
    last = expected.rung;
  }
}

TEST_CASE("GET /metrics counts decisions per controller, latency, sessions and errors", "[serve]") {
  Fixture f;
  const std::string id = f.create("bola");
  for (int i = 0; i < 3; ++i) {
    REQUIRE(f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, 0, 0, 49)).status == 200);
  }
  CHECK(f.call("GET", "/nowhere").status == 404);
  const auto m = f.call("GET", "/metrics");
  REQUIRE(m.status == 200);
  CHECK_THAT(m.content_type, Contains("text/plain"));
  CHECK_THAT(m.body, Contains("streamopt_decisions_total{controller=\"bola\"} 3\n"));
  CHECK_THAT(m.body, Contains("streamopt_decisions_total{controller=\"robust_mpc\"} 0\n"));
  CHECK_THAT(m.body, Contains("streamopt_decision_latency_seconds_bucket{le=\"+Inf\"} 3\n"));
  CHECK_THAT(m.body, Contains("streamopt_decision_latency_seconds_count 3\n"));
  CHECK_THAT(m.body, Contains("streamopt_sessions 1\n"));
  CHECK_THAT(m.body, Contains("streamopt_errors_total{kind=\"not_found\"} 1\n"));
  CHECK_THAT(m.body, Contains("streamopt_errors_total{kind=\"bad_json\"} 0\n"));
  CHECK(f.call("DELETE", "/metrics").status == 405);
}

TEST_CASE("POST /v1/sessions with an inline manifest plays that manifest", "[serve]") {
  Fixture f;
  const auto r = f.call("POST", "/v1/sessions", Json{{"abr", "bba"}, {"manifest", inline_manifest()}}.dump());
  INFO(r.body);
  REQUIRE(r.status == 201);
  const std::string id = Json::parse(r.body).at("session").get<std::string>();
  const auto d = f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, 10, 0, 3));
  REQUIRE(d.status == 200);
  const auto rung = Json::parse(d.body).at("rung").get<std::size_t>();
  CHECK(Json::parse(d.body).at("bitrate_bps").get<double>() == (rung == 0 ? 500e3 : 2000e3));
  // The inline title has 3 segments: segment 3 does not exist.
  const auto bad = f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, 10, 3, 1));
  CHECK(bad.status == 400);
  CHECK_THAT(error_of(bad), Contains("state.next_segment"));
}

TEST_CASE("Manifest::from_json reads ladder.json's fields with inline sizes and names bad fields", "[serve]") {
  const Manifest m = Manifest::from_json(inline_manifest().dump());
  CHECK(m.name() == "clip");
  CHECK(m.rung_count() == 2);
  CHECK(m.segment_count() == 3);
  CHECK(m.segment_duration_s() == 2.0);
  CHECK(m.segment_size_bytes(1, 1) == 510000);
  CHECK_FALSE(m.has_quality());

  Json with_quality = inline_manifest();
  with_quality["rungs"][0]["quality"] = {1.0, 2.0, 3.0};
  with_quality["rungs"][1]["quality"] = {4.0, 5.0, 6.0};
  CHECK(Manifest::from_json(with_quality.dump()).segment_quality(2, 1) == 6.0);

  Json short_sizes = inline_manifest();
  short_sizes["rungs"][1]["sizes_bytes"] = {1, 2};
  CHECK_THROWS_WITH(Manifest::from_json(short_sizes.dump(), "m"),
                    Contains("m: rung 1") && Contains("'sizes_bytes' has 2 values"));
  Json zero = inline_manifest();
  zero["rungs"][0]["sizes_bytes"][2] = 0;
  CHECK_THROWS_WITH(Manifest::from_json(zero.dump(), "m"), Contains("rung 0: segment 2") && Contains("sizes_bytes"));
  Json file = inline_manifest();
  file["rungs"][0]["sizes_file"] = "/etc/passwd";
  CHECK_THROWS_WITH(Manifest::from_json(file.dump(), "m"), Contains("'sizes_file' names a file"));
  Json half_quality = inline_manifest();
  half_quality["rungs"][0]["quality"] = {1.0, 2.0, 3.0};
  CHECK_THROWS_WITH(Manifest::from_json(half_quality.dump(), "m"), Contains("'quality' is given for 1 of 2 rungs"));
  Json unsorted = inline_manifest();
  unsorted["rungs"][1]["bitrate_kbps"] = 100;
  CHECK_THROWS_WITH(Manifest::from_json(unsorted.dump(), "m"), Contains("rung 1 bitrate"));
  CHECK_THROWS_WITH(Manifest::from_json("{\"segments\": ", "m"), Contains("m:1: invalid JSON"));
  // A huge segment count is refused before anything is allocated for it.
  Json huge = inline_manifest();
  huge["segments"] = 1'000'000'000;
  CHECK_THROWS_WITH(Manifest::from_json(huge.dump(), "m"), Contains("'segments' must be a whole number"));
}

TEST_CASE("Bad JSON, bad fields and bad specs are 400 naming what was wrong", "[serve]") {
  Fixture f;
  SECTION("not JSON") {
    const auto r = f.call("POST", "/v1/sessions", "{\"abr\": ");
    CHECK(r.status == 400);
    CHECK_THAT(error_of(r), Contains("body:1: invalid JSON"));
  }
  SECTION("not an object") {
    const auto r = f.call("POST", "/v1/sessions", "[1, 2]");
    CHECK(r.status == 400);
    CHECK_THAT(error_of(r), Contains("expected a JSON object"));
  }
  SECTION("nested too deep") {
    const auto r = f.call("POST", "/v1/sessions", std::string(10000, '[') + std::string(10000, ']'));
    CHECK(r.status == 400);
    CHECK_THAT(error_of(r), Contains("nested deeper than 64"));
  }
  SECTION("a bad controller spec names the spec") {
    const auto r = f.call("POST", "/v1/sessions", R"({"abr": "robust_mpc:horizn=5", "title": "envivio"})");
    CHECK(r.status == 400);
    CHECK_THAT(error_of(r), Contains("'abr' 'robust_mpc:horizn=5'") && Contains("horizn"));
    const auto unknown = f.call("POST", "/v1/sessions", R"({"abr": "nope", "title": "envivio"})");
    CHECK(unknown.status == 400);
    CHECK_THAT(error_of(unknown), Contains("'abr' 'nope'"));
  }
  SECTION("a bad QoE spec names the QoE spec") {
    const auto r = f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "envivio", "qoe": "cubic"})");
    CHECK(r.status == 400);
    CHECK_THAT(error_of(r), Contains("'qoe' 'cubic'"));
  }
  SECTION("missing, unknown and mistyped fields") {
    CHECK_THAT(error_of(f.call("POST", "/v1/sessions", R"({"title": "envivio"})")), Contains("'abr' is missing"));
    CHECK_THAT(error_of(f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "envivio", "x": 1})")),
               Contains("unknown field 'x'"));
    CHECK_THAT(error_of(f.call("POST", "/v1/sessions", R"({"abr": 5, "title": "envivio"})")),
               Contains("'abr' must be a string"));
    CHECK_THAT(error_of(f.call("POST", "/v1/sessions", R"({"abr": "bola"})")),
               Contains("exactly one of 'title' and 'manifest'"));
    const auto title = f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "bbb"})");
    CHECK(title.status == 400);
    CHECK_THAT(error_of(title), Contains("'title' 'bbb' is not served") && Contains("envivio"));
    const auto manifest = f.call("POST", "/v1/sessions", R"({"abr": "bola", "manifest": {"segments": 3}})");
    CHECK(manifest.status == 400);
    CHECK_THAT(error_of(manifest), Contains("'manifest'") && Contains("segment_duration_s"));
  }
  SECTION("bad download reports and states name the field") {
    const std::string id = f.create();
    const auto rung = f.call("POST", "/v1/sessions/" + id + "/download", report_body(0, 9, 1000, 0, 1));
    CHECK(rung.status == 400);
    CHECK_THAT(error_of(rung), Contains("report.rung = 9"));
    const auto time = f.call("POST", "/v1/sessions/" + id + "/download", report_body(0, 0, 1000, 0, 0));
    CHECK_THAT(error_of(time), Contains("report.download_time_s"));
    const auto missing = f.call("POST", "/v1/sessions/" + id + "/download", R"({"segment": 0})");
    CHECK_THAT(error_of(missing), Contains("download: 'rung' is missing"));
    const auto negative = f.call(
        "POST", "/v1/sessions/" + id + "/download",
        R"({"segment": -1, "rung": 0, "size_bytes": 1000, "start_time_s": 0, "download_time_s": 1})");
    CHECK(negative.status == 400);
    CHECK_THAT(error_of(negative), Contains("'segment' must be a whole number"));
    const auto buffer = f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, -3, 0, 49));
    CHECK(buffer.status == 400);
    CHECK_THAT(error_of(buffer), Contains("state.buffer_s"));
    const auto typed = f.call("POST", "/v1/sessions/" + id + "/decide", R"({"state": {"now_s": "soon"}})");
    CHECK_THAT(error_of(typed), Contains("state: 'now_s' must be a number"));
    const auto last = f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, 3, 1, 48, 6));
    CHECK_THAT(error_of(last), Contains("state.last_rung = 6"));
    // The session survives its bad requests.
    CHECK(f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, 3, 1, 48, 0)).status == 200);
  }
  const auto m = f.call("GET", "/metrics");
  CHECK_THAT(m.body, !Contains("streamopt_errors_total{kind=\"internal\"} 1"));
}

TEST_CASE("DELETE ends a session; unknown sessions and paths are 404; wrong methods 405", "[serve]") {
  Fixture f;
  const std::string id = f.create();
  CHECK(f.call("GET", "/v1/sessions").status == 405);
  const auto get_session = f.call("GET", "/v1/sessions/" + id);
  CHECK(get_session.status == 405);
  CHECK(get_session.headers.at(0).second == "DELETE");
  CHECK(f.call("GET", "/v1/sessions/" + id + "/decide").status == 405);
  const auto deleted = f.call("DELETE", "/v1/sessions/" + id);
  CHECK(deleted.status == 204);
  CHECK(f.service->session_count() == 0);
  const auto gone = f.call("POST", "/v1/sessions/" + id + "/decide", state_body(0, 0, 0, 49));
  CHECK(gone.status == 404);
  CHECK_THAT(error_of(gone), Contains(id));
  CHECK(f.call("DELETE", "/v1/sessions/" + id).status == 404);
  CHECK(f.call("POST", "/v1/sessions/nope/download", report_body(0, 0, 1, 0, 1)).status == 404);
  CHECK(f.call("GET", "/").status == 404);
  CHECK(f.call("GET", "/v1/sessions/" + id + "/decide/more").status == 404);
  CHECK(f.call("GET", "healthz").status == 400);
  CHECK(f.call("GET", "/healthz?probe=1").status == 200);
}

TEST_CASE("Oversized bodies are 413 and non-JSON content types 415", "[serve]") {
  Fixture f(100, 60, 256);
  const auto big = f.call("POST", "/v1/sessions", std::string(257, ' '));
  CHECK(big.status == 413);
  CHECK_THAT(error_of(big), Contains("257 bytes") && Contains("256"));
  const auto form = f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "envivio"})",
                           {{"content-type", "application/x-www-form-urlencoded"}});
  CHECK(form.status == 415);
  CHECK(f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "envivio"})",
               {{"Content-Type", "application/json; charset=utf-8"}})
            .status == 201);
  CHECK(f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "envivio"})", {}).status == 201);
  const auto layer = f.service->protocol_error(413, "body is over the limit");
  CHECK(layer.status == 413);
  CHECK_THAT(f.call("GET", "/metrics").body, Contains("streamopt_errors_total{kind=\"payload_too_large\"} 2\n"));
}

TEST_CASE("Past --max-sessions creation is 503 with Retry-After until a session ends or expires", "[serve]") {
  Fixture f(2, 30);
  const std::string a = f.create();
  f.now_s = f.now_s + 10;
  const std::string b = f.create();
  const auto full = f.call("POST", "/v1/sessions", R"({"abr": "bola", "title": "envivio"})");
  CHECK(full.status == 503);
  CHECK_THAT(error_of(full), Contains("--max-sessions"));
  REQUIRE(full.headers.size() == 1);
  CHECK(full.headers[0].first == "Retry-After");
  CHECK(full.headers[0].second == "20");  // a, idle 10 s of 30, is the next to expire
  REQUIRE(f.call("DELETE", "/v1/sessions/" + b).status == 204);
  const std::string c = f.create();
  // a is used at +25 s; c stays idle and expires first.
  f.now_s = f.now_s + 25;
  REQUIRE(f.call("POST", "/v1/sessions/" + a + "/decide", state_body(0, 0, 0, 49)).status == 200);
  f.now_s = f.now_s + 10;
  CHECK(f.service->expire_idle() == 1);
  CHECK(f.call("POST", "/v1/sessions/" + c + "/decide", state_body(0, 0, 0, 49)).status == 404);
  CHECK(f.call("POST", "/v1/sessions/" + a + "/decide", state_body(0, 0, 0, 49)).status == 200);
  // Creating in a full store expires idle sessions first.
  const std::string d = f.create();
  f.now_s = f.now_s + 31;
  const std::string e = f.create();
  const std::string g = f.create();
  CHECK(f.service->session_count() == 2);
  CHECK(f.call("POST", "/v1/sessions/" + a + "/decide", state_body(0, 0, 0, 49)).status == 404);
  CHECK_THAT(f.call("GET", "/metrics").body, Contains("streamopt_sessions_expired_total 3\n"));
}

TEST_CASE("IdleMap: a full map expires idle entries to take a new key, else refuses it and says when", "[serve]") {
  struct Entry {
    int value = 0;
    std::atomic<double> last_used_s{0};
  };
  const auto entry = [](int v) {
    auto e = std::make_shared<Entry>();
    e->value = v;
    return e;
  };
  IdleMap<Entry> map(2, 10.0);
  CHECK(map.put("a", entry(1), 0.0).stored);
  CHECK(map.put("b", entry(2), 4.0).stored);
  const auto full = map.put("c", entry(3), 8.0);  // nobody idle past 10 s: refused, "a" expires in 2 s
  CHECK_FALSE(full.stored);
  CHECK(full.expired == 0);
  CHECK(full.next_expiry_s == Approx(2.0));
  REQUIRE(map.find("a", 9.0));  // used again: now "b" is the older one
  CHECK(map.put("a", entry(4), 9.0).stored);  // an existing key is replaced, full or not
  CHECK(map.find("a", 9.0)->value == 4);
  const auto room = map.put("c", entry(3), 14.5);  // "b" idle 10.5 s: expired to make room
  CHECK(room.stored);
  CHECK(room.expired == 1);
  CHECK_FALSE(map.find("b", 14.5));
  CHECK(map.size() == 2);
  CHECK(map.expire(30.0) == 2);
  CHECK(map.size() == 0);
  CHECK_FALSE(map.remove("a"));
}

TEST_CASE("Sessions on different threads decide in parallel without mixing state", "[serve]") {
  Fixture f(100);
  constexpr int kThreads = 4;
  constexpr int kDecisions = 50;
  std::vector<std::string> ids;
  for (int t = 0; t < kThreads; ++t) ids.push_back(f.create(t % 2 == 0 ? "bola" : "robust_mpc"));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kDecisions; ++i) {
        const std::string base = "/v1/sessions/" + ids[static_cast<std::size_t>(t)];
        const auto segment = static_cast<std::size_t>(i % 40);
        if (f.call("POST", base + "/download", report_body(segment, 1, 400000, i, 0.5)).status != 204) ++failures;
        if (f.call("POST", base + "/decide", state_body(i, 8, segment + 1, 48 - segment, 1)).status != 200) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  const auto m = f.call("GET", "/metrics").body;
  CHECK_THAT(m, Contains("streamopt_decisions_total{controller=\"bola\"} 100\n"));
  CHECK_THAT(m, Contains("streamopt_decisions_total{controller=\"robust_mpc\"} 100\n"));
  CHECK_THAT(m, Contains("streamopt_downloads_total 200\n"));
}

TEST_CASE("Service settings out of range are refused", "[serve]") {
  ServiceConfig zero_sessions;
  zero_sessions.max_sessions = 0;
  CHECK_THROWS_WITH(Service({}, zero_sessions), Contains("max_sessions"));
  ServiceConfig bad_ttl;
  bad_ttl.session_ttl_s = -1;
  CHECK_THROWS_WITH(Service({}, bad_ttl), Contains("session_ttl_s"));
}

TEST_CASE("Decision JSON escapes the rule and writes non-finite numbers as null", "[serve]") {
  Decision d;
  d.rung = 2;
  d.delay_s = 0.25;
  d.reasons.rule = "a\"b\\c\n";
  d.reasons.estimate_bps = 3e6;
  d.reasons.scores = {1.5, -std::numeric_limits<double>::infinity(), std::nan("")};
  d.reasons.plan = {2, 3};
  d.reasons.objective = 3.25;
  const Json j = Json::parse(decision_json(d, 1.85e6));
  CHECK(j.at("rung") == 2);
  CHECK(j.at("delay_s") == 0.25);
  CHECK(j.at("bitrate_bps") == 1.85e6);
  CHECK(j.at("reasons").at("rule") == d.reasons.rule);
  CHECK(j.at("reasons").at("estimate_bps") == 3e6);
  CHECK(j.at("reasons").at("scores") == Json::parse("[1.5, null, null]"));
  CHECK(j.at("reasons").at("plan") == Json::parse("[2, 3]"));
  CHECK(j.at("reasons").at("objective") == 3.25);
  Decision plain;
  const Json p = Json::parse(decision_json(plain, 3e5));
  CHECK_FALSE(p.at("reasons").contains("scores"));
  CHECK_FALSE(p.at("reasons").contains("plan"));
}
