// Telemetry events, the ring sink and the sliding window (no Redis).
#include <catch2/catch.hpp>

#include <cmath>
#include <initializer_list>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "streamopt/telemetry.hpp"

using namespace streamopt;
using streamopt::test::error_of;

namespace {

// Concatenation without operator+ on temporaries (GCC 12 -Wrestrict false positives at -O3).
std::string cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const std::string_view p : parts) out.append(p);
  return out;
}

TelemetryEvent download(std::string session, std::string group, double time_s, double throughput_bps,
                        double stall_s = 0, double qoe = 0) {
  TelemetryEvent e;
  e.session_id = std::move(session);
  e.group = std::move(group);
  e.time_s = time_s;
  e.kind = TelemetryKind::download;
  e.rung = 2;
  e.bitrate_bps = 1.2e6;
  e.buffer_s = 8;
  e.throughput_bps = throughput_bps;
  e.stall_s = stall_s;
  e.qoe = qoe;
  return e;
}

}  // namespace

TEST_CASE("A telemetry event survives its JSON form in CMCD units") {
  TelemetryEvent e = download("sess-1", "as3320", 12.5, 4.25e6, 0.75, -1.5);
  e.latency_s = 0.08;
  const std::string json = to_json(e);
  INFO(json);
  // CMCD units on the wire: ms and kbps.
  CHECK(json.find("\"sid\":\"sess-1\"") != std::string::npos);
  CHECK(json.find("\"e\":\"download\"") != std::string::npos);
  CHECK(json.find("\"ts\":12500") != std::string::npos);
  CHECK(json.find("\"br\":1200") != std::string::npos);
  CHECK(json.find("\"bl\":8000") != std::string::npos);
  CHECK(json.find("\"mtp\":4250") != std::string::npos);
  CHECK(json.find("\"streamopt-stall\":750") != std::string::npos);
  CHECK(json.find("\"v\":2") != std::string::npos);
  const TelemetryEvent back = parse_telemetry_event(json);
  CHECK(back.session_id == "sess-1");
  CHECK(back.group == "as3320");
  CHECK(back.kind == TelemetryKind::download);
  CHECK(back.rung == 2);
  CHECK(back.time_s == Approx(12.5));
  CHECK(back.bitrate_bps == Approx(1.2e6));
  CHECK(back.buffer_s == Approx(8));
  CHECK(back.throughput_bps == Approx(4.25e6));
  CHECK(back.stall_s == Approx(0.75));
  CHECK(back.latency_s == Approx(0.08));
  CHECK(back.qoe == Approx(-1.5));

  SECTION("every kind has its name, and no rung or group is left out") {
    for (const TelemetryKind k : {TelemetryKind::start, TelemetryKind::decision, TelemetryKind::download,
                                  TelemetryKind::stall, TelemetryKind::end}) {
      TelemetryEvent plain;
      plain.session_id = "s";
      plain.kind = k;
      const std::string text = to_json(plain);
      CHECK(text.find("streamopt-rung") == std::string::npos);
      CHECK(text.find("streamopt-grp") == std::string::npos);
      const TelemetryEvent p = parse_telemetry_event(text);
      CHECK(p.kind == k);
      CHECK(p.rung == kNoRung);
      CHECK(p.group.empty());
    }
  }
  SECTION("unknown keys are ignored, absent amounts are 0") {
    const TelemetryEvent p = parse_telemetry_event(R"({"sid":"x","e":"stall","ts":5,"cid":"movie","bs":true})");
    CHECK(p.kind == TelemetryKind::stall);
    CHECK(p.time_s == Approx(0.005));
    CHECK(p.stall_s == 0);
    CHECK(p.throughput_bps == 0);
  }
}

TEST_CASE("A malformed telemetry event is rejected naming the field") {
  const auto message = [](const std::string& json) { return error_of([&] { (void)parse_telemetry_event(json); }); };
  CHECK_THAT(message("{not json"), Catch::Contains("not JSON"));
  CHECK_THAT(message("[1,2]"), Catch::Contains("not a JSON object"));
  CHECK_THAT(message(R"({"e":"download","ts":1})"), Catch::Contains("'sid' is missing"));
  CHECK_THAT(message(R"({"sid":"","e":"download","ts":1})"), Catch::Contains("'sid' is empty"));
  CHECK_THAT(message(R"({"sid":7,"e":"download","ts":1})"), Catch::Contains("'sid' is not a string"));
  CHECK_THAT(message(R"({"sid":"a","ts":1})"), Catch::Contains("'e' is missing"));
  CHECK_THAT(message(R"({"sid":"a","e":"teleport","ts":1})"), Catch::Contains("'e' is not an event type"));
  CHECK_THAT(message(R"({"sid":"a","e":"end"})"), Catch::Contains("'ts' is missing"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":-1})"), Catch::Contains("'ts' is negative"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":1,"br":"fast"})"), Catch::Contains("'br' is not a number"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":1,"mtp":1e400})"), Catch::Contains("number overflow"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":1,"bl":-3})"), Catch::Contains("'bl' is negative"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":1,"streamopt-rung":1.5})"),
             Catch::Contains("'streamopt-rung' is not a non-negative integer"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":1,"streamopt-rung":-1})"),
             Catch::Contains("'streamopt-rung' is not a non-negative integer"));
  CHECK_THAT(message(R"({"sid":"a","e":"end","ts":1,"streamopt-qoe":"high"})"),
             Catch::Contains("'streamopt-qoe' is not a number"));
  CHECK_THAT(message(cat({R"({"sid":")", std::string(kMaxTelemetryIdChars + 1, 'x'), R"(","e":"end","ts":1})"})),
             Catch::Contains("'sid' is longer than 256 bytes"));
  CHECK_THAT(message(std::string(kMaxTelemetryJsonBytes + 1, ' ')), Catch::Contains("longer than the limit of 64 KiB"));

  SECTION("to_json refuses what would not parse back") {
    TelemetryEvent e = download("s", "g", 1, 1e6);
    e.buffer_s = std::nan("");
    CHECK_THAT(error_of([&] { (void)to_json(e); }), Catch::Contains("'bl' is not a finite number"));
    e.buffer_s = 1;
    e.stall_s = -0.5;
    CHECK_THAT(error_of([&] { (void)to_json(e); }), Catch::Contains("'streamopt-stall' is negative"));
    e.stall_s = 0;
    e.session_id.clear();
    CHECK_THAT(error_of([&] { (void)to_json(e); }), Catch::Contains("'sid' is empty"));
  }
}

TEST_CASE("The telemetry ring keeps the newest events and counts what it dropped") {
  CHECK_THAT(error_of([] { RingSink ring(0); }), Catch::Contains("capacity"));
  RingSink ring(3);
  for (int i = 0; i < 5; ++i) CHECK(ring.emit(download(cat({"s", std::to_string(i)}), "g", i, 1e6)));
  CHECK(ring.size() == 3);
  CHECK(ring.dropped() == 2);
  const std::vector<TelemetryEvent> events = ring.drain();
  REQUIRE(events.size() == 3);
  CHECK(events.front().session_id == "s2");
  CHECK(events.back().session_id == "s4");
  CHECK(ring.size() == 0);
  CHECK(ring.drain().empty());

  SECTION("emitting from several threads loses nothing but what overflowed") {
    RingSink shared(1000);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&shared, t] {
        for (int i = 0; i < 500; ++i) shared.emit(download(cat({"t", std::to_string(t)}), "g", i, 1e6));
      });
    }
    for (auto& th : threads) th.join();
    CHECK(shared.size() == 1000);
    CHECK(shared.dropped() == 1000);
  }
}

TEST_CASE("The telemetry window aggregates a group's throughput, rebuffering and QoE") {
  TelemetryWindow w(10);
  // Session a: downloads at 1..5 s, 1..5 Mbps; one 1 s stall; QoE 1 each.
  for (int i = 1; i <= 5; ++i) w.add(download("a", "as1", i, i * 1e6, i == 3 ? 1.0 : 0.0, 1.0));
  // Session b: a start and a download at 2 and 4 s, QoE 3.
  TelemetryEvent start;
  start.session_id = "b";
  start.group = "as1";
  start.time_s = 2;
  start.kind = TelemetryKind::start;
  w.add(start);
  w.add(download("b", "as1", 4, 6e6, 0, 3.0));
  // Another group.
  w.add(download("c", "cdn-7", 5, 9e6));

  const GroupStats s = w.stats("as1", 5);
  CHECK(s.events == 7);
  CHECK(s.sessions == 2);
  CHECK(s.throughput_samples == 6);
  CHECK(s.throughput_mean_bps == Approx(21e6 / 6));
  CHECK(s.throughput_p50_bps == Approx(3.5e6));
  CHECK(s.throughput_p10_bps == Approx(1.5e6));
  CHECK(s.throughput_p90_bps == Approx(5.5e6));
  CHECK(s.stall_s == Approx(1.0));
  CHECK(s.watch_s == Approx(4 + 2));  // a spans 1..5 s, b 2..4 s
  CHECK(s.rebuffer_ratio == Approx(1.0 / 6));
  CHECK(s.qoe_samples == 6);
  CHECK(s.qoe_mean == Approx(8.0 / 6));
  CHECK(w.groups() == std::vector<std::string>{"as1", "cdn-7"});
  CHECK(w.events_total() == 8);

  SECTION("a group without data has NaN statistics") {
    const GroupStats none = w.stats("nowhere", 5);
    CHECK(none.events == 0);
    CHECK(std::isnan(none.throughput_p50_bps));
    CHECK(std::isnan(none.rebuffer_ratio));
    CHECK(std::isnan(none.qoe_mean));
  }
  SECTION("only events in (now - window, now] count") {
    const GroupStats later = w.stats("as1", 13);  // window (3, 13]
    CHECK(later.events == 3);                     // a at 4, 5 and b at 4
    CHECK(later.throughput_p50_bps == Approx(5e6));
  }
  SECTION("a new session's prior is its group's recent median throughput") {
    REQUIRE(w.prior_throughput_bps("as1", 5).has_value());
    CHECK(*w.prior_throughput_bps("as1", 5) == Approx(3.5e6));
    CHECK_FALSE(w.prior_throughput_bps("cdn-7", 5).has_value());  // one sample < kMinPriorSamples
    CHECK_FALSE(w.prior_throughput_bps("nowhere", 5).has_value());
  }
  SECTION("events older than the window are evicted as time moves on") {
    w.add(download("d", "as1", 30, 2e6));
    CHECK(w.held() == 1);
    CHECK(w.groups() == std::vector<std::string>{"as1"});
    CHECK(w.stats("as1", 30).events == 1);
    w.add(download("e", "as1", 1, 2e6));  // already outside the window ending at 30 s: counted, not kept
    CHECK(w.held() == 1);
    CHECK(w.events_total() == 10);
  }
}

TEST_CASE("The telemetry window bounds the events it holds per group") {
  TelemetryWindow w(1e6);
  const std::size_t n = TelemetryWindow::kMaxEventsPerGroup + 10;
  for (std::size_t i = 0; i < n; ++i) w.add(download("s", "g", static_cast<double>(i) * 1e-3, 1e6));
  CHECK(w.held() == TelemetryWindow::kMaxEventsPerGroup);
  CHECK(w.events_total() == n);
  CHECK_THAT(error_of([] { TelemetryWindow bad(0); }), Catch::Contains("window_s"));
  CHECK_THAT(error_of([] { TelemetryWindow bad(std::nan("")); }), Catch::Contains("window_s"));
}

TEST_CASE("The telemetry window exports Prometheus text with escaped labels") {
  TelemetryWindow w(10);
  for (int i = 1; i <= 4; ++i) w.add(download("a", "edge \"7\"\\x\nb", i, 2e6, 0, 2.0));
  w.add(download("b", "plain", 4, 1e6));
  w.add_rejected(2);
  const std::string text = w.prometheus_text(4);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("# TYPE streamopt_telemetry_events_total counter\nstreamopt_telemetry_events_total 5\n"));
  CHECK_THAT(text, Catch::Contains("streamopt_telemetry_rejected_total 2\n"));
  const std::string label = R"(group="edge \"7\"\\x\nb")";
  CHECK_THAT(text, Catch::Contains(cat({"streamopt_group_throughput_bps{", label, ",quantile=\"0.5\"} 2000000\n"})));
  CHECK_THAT(text, Catch::Contains(cat({"streamopt_group_throughput_bps_count{", label, "} 4\n"})));
  CHECK_THAT(text, Catch::Contains(cat({"streamopt_group_prior_throughput_bps{", label, "} 2000000\n"})));
  CHECK_THAT(text, Catch::Contains(cat({"streamopt_group_rebuffer_ratio{", label, "} 0\n"})));
  CHECK_THAT(text, Catch::Contains(cat({"streamopt_group_qoe_mean{", label, "} 2\n"})));
  CHECK_THAT(text, Catch::Contains("streamopt_group_sessions{group=\"plain\"} 1\n"));
  // One sample: no prior, and a single event spans no time, so no rebuffer ratio.
  CHECK(text.find("streamopt_group_prior_throughput_bps{group=\"plain\"}") == std::string::npos);
  CHECK(text.find("streamopt_group_rebuffer_ratio{group=\"plain\"}") == std::string::npos);
  // Every sample line belongs to a family declared before it (one TYPE per family).
  CHECK(text.find("# TYPE streamopt_group_throughput_bps summary") < text.find("streamopt_group_throughput_bps{"));
}
