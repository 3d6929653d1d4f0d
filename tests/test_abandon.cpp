// Request abandonment in the player models: dash.js v5's AbandonRequestsRule
// (`dashjs`) and hls.js's emergency switch-down (`hlsjs`), each from its
// documented behaviour, on synthetic progress sequences and in the standard
// simulator's progress events.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

const Manifest& ladder() { return test::envivio_ladder(); }  // 4 s segments, 300..4300 kbit/s

// The progress event at `elapsed_s` of a request for `segment` at `rung`
// sent at `start_s`, whose bytes arrive at `bps` from `first_byte_s` on.
DownloadProgress progress_at(std::size_t segment, std::size_t rung, double elapsed_s, double bps,
                             double buffer_s, double start_s = 100.0, double first_byte_s = 0.08) {
  DownloadProgress p;
  p.segment = segment;
  p.rung = rung;
  p.size_bytes = ladder().segment_size_bytes(segment, rung);
  const double bytes = std::max(0.0, elapsed_s - first_byte_s) * bps / 8.0;
  p.received_bytes = std::min(p.size_bytes - 1, static_cast<std::uint64_t>(bytes));
  p.start_time_s = start_s;
  p.elapsed_s = elapsed_s;
  p.buffer_s = buffer_s;
  return p;
}

struct Answer {
  double elapsed_s = -1;       // when the controller abandoned, -1 never
  std::size_t rung = kNoRung;  // for which rung
};

// Feeds the events every 100 ms (as the simulator does) until the request
// would finish at `bps` or the controller abandons; the buffer drains in
// real time from `buffer_s`.
Answer run_request(AbrController& abr, std::size_t segment, std::size_t rung, double bps,
                   double buffer_s, double start_s = 100.0) {
  const double size_bits = static_cast<double>(ladder().segment_size_bytes(segment, rung)) * 8.0;
  const double finish_s = 0.08 + size_bits / bps;
  for (int i = 1; i * 0.1 < finish_s; ++i) {
    const double t = i * 0.1;
    const std::size_t r =
        abr.should_abandon(progress_at(segment, rung, t, bps, std::max(0.0, buffer_s - t), start_s));
    if (r != kNoRung) return {t, r};
  }
  return {};
}

// A finished download of `segment` at `rung` over `seconds`.
DownloadReport report(std::size_t segment, std::size_t rung, double seconds, double start_s = 0) {
  DownloadReport r;
  r.segment = segment;
  r.rung = rung;
  r.size_bytes = ladder().segment_size_bytes(segment, rung);
  r.start_time_s = start_s;
  r.download_time_s = seconds;
  return r;
}

double total_rebuffer_s(const SessionResult& r) {
  double s = 0;
  for (const auto& rec : r.segments) s += rec.rebuffer_s;
  return s;
}

std::size_t abandonments(const SessionResult& r) {
  std::size_t n = 0;
  for (const auto& rec : r.segments) n += rec.abandoned_rung != kNoRung ? 1 : 0;
  return n;
}

// Delegates to a controller and keeps every report it was given.
class Recording final : public AbrController {
 public:
  explicit Recording(std::unique_ptr<AbrController> inner) : inner_(std::move(inner)) {}
  void on_download(const DownloadReport& r) override {
    reports.push_back(r);
    inner_->on_download(r);
  }
  Decision decide(const PlayerState& s) override { return inner_->decide(s); }
  std::size_t should_abandon(const DownloadProgress& p) override { return inner_->should_abandon(p); }
  [[nodiscard]] bool may_abandon() const override { return inner_->may_abandon(); }
  void reset() override {
    reports.clear();
    inner_->reset();
  }
  [[nodiscard]] std::string name() const override { return inner_->name(); }
  std::vector<DownloadReport> reports;

 private:
  std::unique_ptr<AbrController> inner_;
};

// Abandons every request at its first progress event for `rung`.
class Abandoner final : public AbrController {
 public:
  explicit Abandoner(std::size_t rung) : rung_(rung) {}
  void on_download(const DownloadReport&) override {}
  Decision decide(const PlayerState&) override {
    Decision d;
    d.rung = 5;
    return d;
  }
  std::size_t should_abandon(const DownloadProgress&) override { return rung_; }
  [[nodiscard]] bool may_abandon() const override { return true; }
  void reset() override {}
  [[nodiscard]] std::string name() const override { return "abandoner"; }

 private:
  std::size_t rung_;
};

// The standard player on a link at 10 Mbit/s for `fast_s`, then `slow_mbps`
// (6 s, 0.8 Mbit/s: both players are on the top rung with about 10 s
// buffered when it collapses).
SessionResult play_collapse(AbrController& abr, double fast_s, double slow_mbps,
                            double interval_s = 0.1) {
  const NetworkTrace trace = test::trace_mbps({0, fast_s, 5000}, {10, 10, slow_mbps}, "collapse");
  SimConfig c = SimConfig::standard();
  c.progress_interval_s = interval_s;
  const QoeModel q("lin", ladder());
  return simulate(trace, ladder(), abr, c, q);
}

std::string describe(const SessionResult& r) {
  std::string s;
  for (const auto& rec : r.segments) {
    s += std::to_string(rec.segment) + ":" + std::to_string(rec.rung) +
         (rec.abandoned_rung != kNoRung ? "(from " + std::to_string(rec.abandoned_rung) + ")" : "") +
         " buf=" + std::to_string(rec.buffer_s) + " stall=" + std::to_string(rec.rebuffer_s) + "\n";
  }
  return s;
}

}  // namespace

// ---------------------------------------------------------------- dash.js

TEST_CASE("dash.js abandons a segment projected past 1.8 x its duration for the rung the throughput sustains",
          "[abandon][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  // 4300 kbit/s at 1 Mbit/s: the 4 s segment takes 17.2 s > 7.2 s; 750 <= 1000 kbit/s.
  const Answer a = run_request(*abr, 3, 5, 1e6, 10.0);
  CHECK(a.rung == 1);
  // The first byte comes at the first event (0.1 s); it needs 6 traces and
  // more than 500 ms since that byte: the 7th event.
  CHECK(a.elapsed_s == Approx(0.7));
}

TEST_CASE("dash.js waits for its minimum samples and time since the first byte", "[abandon][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  for (int i = 1; i <= 6; ++i) {
    INFO("event " << i);
    CHECK(abr->should_abandon(progress_at(3, 5, i * 0.1, 1e6, 10.0)) == kNoRung);
  }
  CHECK(abr->should_abandon(progress_at(3, 5, 0.7, 1e6, 10.0)) == 1);
  // With 10 samples required, the 10th event is the first.
  auto patient = make_abr("dashjs:abandon_min_samples=10", ladder());
  CHECK(run_request(*patient, 3, 5, 1e6, 10.0).elapsed_s == Approx(1.0));
  // With 1.5 s required after the first byte (at 0.1 s), the first event past 1.6 s.
  auto slow = make_abr("dashjs:abandon_min_download_time_s=1.5", ladder());
  CHECK(run_request(*slow, 3, 5, 1e6, 10.0).elapsed_s == Approx(1.7));
}

TEST_CASE("dash.js keeps a request that finishes within 1.8 segment durations", "[abandon][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  // 4300 kbit/s at 3 Mbit/s: 5.73 s < 7.2 s, although lower rungs would be faster.
  CHECK(run_request(*abr, 3, 5, 3e6, 4.0).rung == kNoRung);
  // At 2.3 Mbit/s (7.48 s) it abandons, for 1850 kbit/s.
  CHECK(run_request(*abr, 4, 5, 2.3e6, 4.0).rung == 3);
  // A larger multiplier keeps that one too.
  auto lenient = make_abr("dashjs:abandon_duration_multiplier=2", ladder());
  CHECK(run_request(*lenient, 4, 5, 2.3e6, 4.0).rung == kNoRung);
}

TEST_CASE("dash.js does not abandon with more than bufferTimeDefault buffered", "[abandon][dashjs]") {
  // 25.05 s buffered, draining: the first event at or under 18 s is at 7.1 s.
  auto abr = make_abr("dashjs", ladder());
  const Answer a = run_request(*abr, 3, 5, 1e6, 25.05);
  CHECK(a.elapsed_s == Approx(7.1));
  CHECK(a.rung == 1);
  auto larger = make_abr("dashjs:buffer_time_default_s=30", ladder());
  CHECK(run_request(*larger, 3, 5, 1e6, 25.05).elapsed_s == Approx(0.7));
}

TEST_CASE("dash.js abandons at most once per segment, never on the lowest rung, never upwards",
          "[abandon][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  CHECK(run_request(*abr, 3, 5, 1e6, 10.0).rung == 1);
  // The refetch of segment 3 (another rung, another request) is not abandoned again.
  CHECK(run_request(*abr, 3, 1, 0.1e6, 10.0, 101.0).rung == kNoRung);
  // The lowest rung at 50 kbit/s: 24 s for a 4 s segment, but nothing lower.
  CHECK(run_request(*abr, 5, 0, 0.05e6, 10.0).rung == kNoRung);
  // Off: never.
  auto off = make_abr("dashjs:abandon=false", ladder());
  CHECK(run_request(*off, 3, 5, 1e6, 10.0).rung == kNoRung);
  // Whatever the rung and throughput, an abandonment goes to a lower rung,
  // one whose whole segment is smaller than what is left to fetch.
  std::size_t fired = 0;
  for (std::size_t rung = 0; rung < ladder().rung_count(); ++rung) {
    for (double mbps : {0.05, 0.2, 0.4, 0.8, 1.3, 2.0, 3.0, 5.0}) {
      auto fresh = make_abr("dashjs", ladder());
      const Answer a = run_request(*fresh, 7, rung, mbps * 1e6, 5.0);
      if (a.rung == kNoRung) continue;
      ++fired;
      INFO("rung " << rung << " at " << mbps << " Mbit/s -> " << a.rung);
      CHECK(a.rung < rung);
      CHECK(ladder().bitrate_bps(a.rung) <= std::max(mbps * 1e6, ladder().bitrate_bps(0)));
    }
  }
  CHECK(fired > 5);
}

// ---------------------------------------------------------------- hls.js

TEST_CASE("hls.js switches down in an emergency: the buffer runs out before the fragment, a lower level loads in time",
          "[abandon][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  abr->on_download(report(0, 5, 0.4));  // 43 Mbit/s: the media has data
  // 4300 kbit/s at 1 Mbit/s with 10 s buffered: the check waits half the
  // fragment's duration (2 s); at 2.1 s 15 s remain against 7.9 s of buffer,
  // and 750 kbit/s loads in 3 s, under min(7.9, 4) s: an immediate abort
  // (15 s > 2 x 3 s), refetched at the lowest level.
  const Answer a = run_request(*abr, 1, 5, 1e6, 10.0);
  CHECK(a.elapsed_s == Approx(2.1));
  CHECK(a.rung == 0);
  // The lowest level is forced for the next fragment until one has loaded.
  const Decision forced = abr->decide(test::state_at(5.0, 0));
  CHECK(forced.rung == 0);
  CHECK(forced.reasons.rule == "hlsjs_emergency");
  abr->on_download(report(1, 0, 1.2));
  CHECK(abr->decide(test::state_at(5.0, 0)).reasons.rule != "hlsjs_emergency");
}

TEST_CASE("hls.js keeps the fragment when the buffer outlasts it or no level above the lowest loads in time",
          "[abandon][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  abr->on_download(report(0, 5, 0.4));
  // 30 s buffered: 17.2 s to finish is no emergency.
  CHECK(run_request(*abr, 1, 5, 1e6, 30.0).rung == kNoRung);
  // 2 s buffered: no level above the lowest loads within it; hls.js then
  // lets the fragment finish and forces the lowest level for the next one.
  auto low = make_abr("hlsjs", ladder());
  low->on_download(report(0, 5, 0.4));
  CHECK(run_request(*low, 1, 5, 1e6, 2.0).rung == kNoRung);
  const Decision next = low->decide(test::state_at(2.0, 5));
  CHECK(next.rung == 0);
  CHECK(next.reasons.rule == "hlsjs_emergency");
}

TEST_CASE("hls.js checks only after half the fragment duration, only once media has data, never on the lowest two levels",
          "[abandon][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  // No fragment appended yet: no check.
  CHECK(run_request(*abr, 0, 5, 1e6, 10.0).rung == kNoRung);
  abr->on_download(report(0, 5, 0.4));
  for (int i = 1; i <= 20; ++i) {
    INFO("event " << i);
    CHECK(abr->should_abandon(progress_at(1, 5, i * 0.1, 1e6, 10.0 - i * 0.1)) == kNoRung);
  }
  CHECK(abr->should_abandon(progress_at(1, 5, 2.1, 1e6, 7.9)) == 0);
  // Level 1: the only lower level is the lowest, which the search never tries.
  CHECK(run_request(*abr, 2, 1, 0.2e6, 10.0).rung == kNoRung);
  CHECK(run_request(*abr, 3, 0, 0.05e6, 10.0).rung == kNoRung);
  auto off = make_abr("hlsjs:abandon=false", ladder());
  off->on_download(report(0, 5, 0.4));
  CHECK(run_request(*off, 1, 5, 1e6, 10.0).rung == kNoRung);
}

TEST_CASE("hls.js delays the abort by the lower level's load time when finishing takes less than twice it",
          "[abandon][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  abr->on_download(report(0, 5, 0.4));
  // 1850 kbit/s at 1 Mbit/s, 7 s buffered: at 2.1 s 5.6 s remain against
  // 4.9 s of buffer; 750 kbit/s loads in 3.12 s (< 5.6 s < 6.24 s): the
  // abort comes 3.12 s later, at the event at 5.3 s, while the fragment
  // still loads (until 7.5 s).
  const Answer a = run_request(*abr, 1, 3, 1e6, 7.0);
  CHECK(a.elapsed_s == Approx(5.3));
  CHECK(a.rung == 0);
}

TEST_CASE("Abandoning models never answer a rung above the request's", "[abandon]") {
  for (const char* spec : {"dashjs", "hlsjs"}) {
    std::size_t fired = 0;
    for (std::size_t rung = 0; rung < ladder().rung_count(); ++rung) {
      for (double mbps : {0.05, 0.3, 0.7, 1.0, 1.5, 2.5, 4.0, 8.0}) {
        for (double buffer_s : {1.0, 5.0, 9.0, 15.0}) {
          auto abr = make_abr(spec, ladder());
          abr->on_download(report(0, 2, 1.0));
          const Answer a = run_request(*abr, 1, rung, mbps * 1e6, buffer_s);
          if (a.rung == kNoRung) continue;
          ++fired;
          INFO(spec << " rung " << rung << " at " << mbps << " Mbit/s, " << buffer_s << " s -> " << a.rung);
          CHECK(a.rung < rung);
        }
      }
    }
    INFO(spec);
    CHECK(fired > 0);
  }
}

// ---------------------------------------------------------------- simulator

TEST_CASE("After a throughput collapse the players abandon and stall less than without abandonment",
          "[abandon][sim]") {
  for (const char* name : {"dashjs", "hlsjs"}) {
    auto with = make_abr(name, ladder());
    auto without = make_abr(std::string(name) + ":abandon=false", ladder());
    const SessionResult a = play_collapse(*with, 6.0, 0.8);
    const SessionResult b = play_collapse(*without, 6.0, 0.8);
    INFO(name << " with abandonment:\n" << describe(a) << "without:\n" << describe(b));
    CHECK(abandonments(a) >= 1);
    CHECK(abandonments(b) == 0);
    for (const auto& rec : a.segments) {
      if (rec.abandoned_rung == kNoRung) continue;
      CHECK(rec.abandoned_rung > rec.rung);
      CHECK(rec.abandoned_bytes > 0);
      CHECK(rec.abandoned_bytes < ladder().segment_size_bytes(rec.segment, rec.abandoned_rung));
      CHECK(rec.abandoned_s > 0);
      CHECK(rec.abandoned_s < rec.download_time_s);
    }
    CHECK(total_rebuffer_s(a) < total_rebuffer_s(b));
  }
}

TEST_CASE("The report after an abandonment is the completed request's", "[abandon][sim]") {
  Recording abr(make_abr("dashjs", ladder()));
  const SessionResult r = play_collapse(abr, 6.0, 0.8);
  REQUIRE(abr.reports.size() == r.segments.size());
  std::size_t checked = 0;
  for (std::size_t k = 0; k < r.segments.size(); ++k) {
    const SegmentRecord& rec = r.segments[k];
    if (rec.abandoned_rung == kNoRung) continue;
    ++checked;
    const DownloadReport& rep = abr.reports[k];
    CHECK(rep.rung == rec.rung);
    CHECK(rep.size_bytes == rec.size_bytes);
    CHECK(rep.size_bytes == ladder().segment_size_bytes(k, rec.rung));
    CHECK(rep.download_time_s == Approx(rec.download_time_s - rec.abandoned_s));
    // The refetch was sent when the abandoned request was given up, and
    // ended when the segment arrived.
    const double previous_s = k > 0 ? r.segments[k - 1].time_s : 0.0;
    CHECK(rep.start_time_s == Approx(previous_s + rec.delay_s + rec.abandoned_s));
    CHECK(rep.end_time_s() == Approx(rec.time_s - rec.sleep_s));
  }
  CHECK(checked >= 1);
}

TEST_CASE("A progress interval of 0 turns abandonment off", "[abandon][sim]") {
  for (const char* name : {"dashjs", "hlsjs"}) {
    auto on = make_abr(name, ladder());
    auto off = make_abr(std::string(name) + ":abandon=false", ladder());
    const SessionResult no_events = play_collapse(*on, 6.0, 0.8, 0.0);
    const SessionResult no_rule = play_collapse(*off, 6.0, 0.8);
    INFO(name);
    CHECK(abandonments(no_events) == 0);
    REQUIRE(no_events.segments.size() == no_rule.segments.size());
    for (std::size_t k = 0; k < no_rule.segments.size(); ++k) {
      CHECK(no_events.segments[k].rung == no_rule.segments[k].rung);
      CHECK(no_events.segments[k].rebuffer_s == no_rule.segments[k].rebuffer_s);
    }
  }
}

TEST_CASE("A controller abandoning for an out-of-range rung gets a clear error", "[abandon][sim]") {
  Abandoner bad(99);
  const std::string message = test::error_of([&] { (void)play_collapse(bad, 6.0, 0.8); });
  CHECK_THAT(message, Contains("abandoner") && Contains("rung 99") && Contains("6-rung ladder"));
}
