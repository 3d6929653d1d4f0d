// The dash.js v5 model (`dashjs`), checked against dash.js 5.2.1's documented
// behaviour and defaults: initial bitrate, the EWMA throughput estimate, the
// DYNAMIC switch between ThroughputRule and BolaRule, InsufficientBufferRule,
// SwitchHistoryRule, ScheduleController's buffer target, option errors.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;
using streamopt::test::error_of;

namespace {

// The envivio ladder (192 s: not long-form content) and player states.
const Manifest& ladder() { return test::envivio_ladder(); }
using test::state_at;

// A download of `bits_per_s` for `seconds` at `rung`.
DownloadReport download(double bits_per_s, double seconds, std::size_t rung = 0,
                        double start_s = 0) {
  DownloadReport r;
  r.rung = rung;
  r.size_bytes = static_cast<std::uint64_t>(bits_per_s * seconds / 8.0);
  r.start_time_s = start_s;
  r.download_time_s = seconds;
  return r;
}

}  // namespace

TEST_CASE("dash.js starts at initialBitrate, else the average throughput, else 1000 kbit/s",
          "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  const Decision first = abr->decide(state_at(0, kNoRung));
  CHECK(first.reasons.rule == "dashjs_initial");
  CHECK(first.reasons.estimate_bps == 1e6);
  CHECK(first.rung == 1);  // 750 <= 1000 kbit/s < 1200, no safety factor
  CHECK(make_abr("dashjs:initial_bitrate_bps=2e6", ladder())->decide(state_at(0, kNoRung)).rung ==
        3);
  // A sample before the first choice: its (unsafe) average, unless initialBitrate is set.
  auto sampled = make_abr("dashjs", ladder());
  sampled->on_download(download(3e6, 4.0));
  CHECK(sampled->decide(state_at(0, kNoRung)).rung == 4);  // 2850 <= 3000
  auto configured = make_abr("dashjs:initial_bitrate_bps=5e5", ladder());
  configured->on_download(download(3e6, 4.0));
  CHECK(configured->decide(state_at(0, kNoRung)).rung == 0);
}

TEST_CASE(
    "dash.js's throughput rule takes 0.9 x the min of 3 s/8 s EWMAs weighted 0.0015 per download "
    "ms",
    "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(2e6, 4.0, 1));
  const Decision one = abr->decide(state_at(4, 1, 4));
  CHECK(one.reasons.rule == "throughput_rule");
  CHECK(one.reasons.estimate_bps == 2e6);
  CHECK(one.reasons.conservative_bps == Approx(1.8e6));
  CHECK(one.rung == 2);  // 1200 <= 1800 < 1850
  abr->on_download(download(8e6, 1.0, 2, 4));
  // Weights 6 and 1.5: fast 4.134730e6, slow 3.530236e6 (bias-corrected);
  // the min rounded to whole kbit/s. Weighting by seconds would give 3.416e6.
  // (At 8 s of buffer the InsufficientBufferRule's cap, 0.7 x 3.53 Mbit/s x 2, is higher.)
  const Decision two = abr->decide(state_at(8, 2, 5));
  CHECK(two.reasons.estimate_bps == 3530e3);
  CHECK(two.reasons.conservative_bps == Approx(3177e3));
  CHECK(two.rung == 4);  // 2850 <= 3177
}

TEST_CASE("dash.js ignores downloads faster than its 10 ms cache threshold",
          "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(50e6, 0.009, 1));
  const Decision d = abr->decide(state_at(4, 1));
  CHECK(d.reasons.rule == "dashjs_no_change");  // no sample: no rule asks for a rung
  CHECK(d.reasons.estimate_bps == 0);
  CHECK(d.rung == 1);
}

TEST_CASE("dash.js hands over to BOLA at 12 s of buffer and back below 6 s",
          "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  double t = 0;
  const auto next = [&](double buffer_s, std::size_t last) {
    abr->on_download(download(2e6, 1.0, last, t));
    t += 1.0;
    return abr->decide(state_at(buffer_s, last, t));
  };
  CHECK(next(11.9, 1).reasons.rule == "throughput_rule");
  // BOLA's first call is its start-up: the rung 0.9 x throughput sustains.
  const Decision bola = next(12.0, 2);
  CHECK(bola.reasons.rule == "bola_rule");
  CHECK(bola.rung == 2);
  // Hysteresis: BOLA stays while the buffer (also its low point before the
  // append, buffer - 4 s) is at least 6 s.
  CHECK(next(10.0, 2).reasons.rule == "bola_rule");
  CHECK(next(9.9, 2).reasons.rule == "throughput_rule");  // dipped to 5.9 s
  CHECK(next(11.0, 2).reasons.rule == "throughput_rule");
  SECTION("hybridSwitchBufferTime sets both thresholds") {
    auto late = make_abr("dashjs:hybrid_switch_buffer_time_s=16", ladder());
    (void)late->decide(state_at(0, kNoRung));
    late->on_download(download(2e6, 1.0, 1));
    CHECK(late->decide(state_at(13.0, 1, 1)).reasons.rule == "throughput_rule");
  }
  SECTION("one rule alone is used at any buffer") {
    auto bola_only = make_abr("dashjs:throughput_rule=false", ladder());
    (void)bola_only->decide(state_at(0, kNoRung));
    bola_only->on_download(download(2e6, 1.0, 1));
    CHECK(bola_only->decide(state_at(4, 1, 1)).reasons.rule == "bola_rule");
    auto throughput_only = make_abr("dashjs:bola_rule=false", ladder());
    (void)throughput_only->decide(state_at(0, kNoRung));
    throughput_only->on_download(download(2e6, 1.0, 1));
    CHECK(throughput_only->decide(state_at(13.9, 1, 1)).reasons.rule == "throughput_rule");
  }
}

TEST_CASE("dash.js's BOLA never switches up past both its last rung and the sustainable one",
          "[abr][players][dashjs]") {
  // Two rungs, 1 and 2 Mbit/s: buffer time max(18, 10 + 2 x 2) = 18 s, so
  // gamma_p = ln 2 / 0.8, V_p = 10 / gamma_p; BOLA prefers 2 Mbit/s from
  // V_p (gamma_p + 1 - ln 2) = 13.54 s of buffer + placeholder.
  const Manifest two = Manifest::synthetic({1e6, 2e6}, 4.0, 48, 0.0);
  auto abr = make_abr("dashjs:throughput_rule=false", two);
  CHECK(abr->decide(state_at(0, kNoRung)).rung == 0);  // 1000 kbit/s
  abr->on_download(download(1.5e6, 4.0, 0, 0));        // safe 1.35 Mbit/s: rung 0 is sustainable
  const Decision startup = abr->decide(state_at(4, 0, 4));
  CHECK(startup.reasons.rule == "bola_rule");
  CHECK(startup.rung == 0);
  abr->on_download(download(1.5e6, 4.0, 0, 4));  // start-up ends: a segment loaded, buffer >= 4 s
  CHECK(abr->decide(state_at(8, 0, 8)).rung == 0);
  abr->on_download(download(1.5e6, 4.0, 0, 8));  // ends at t = 12
  // Steady: 3 s of idle time after the download join the 13 s buffer (16 s
  // in all, above 13.54 s), but the throughput sustains only rung 0.
  const Decision steady = abr->decide(state_at(13, 0, 15));
  CHECK(steady.rung == 0);
  CHECK(steady.delay_s == 0);
  REQUIRE(steady.reasons.scores.size() == 2);
  CHECK(steady.reasons.scores[1] > steady.reasons.scores[0]);  // BOLA alone would go up
  // With the throughput to sustain it, BOLA goes up.
  abr->on_download(download(10e6, 4.0, 0, 15));
  CHECK(abr->decide(state_at(13, 0, 19)).rung == 1);
}

TEST_CASE(
    "dash.js requests nothing while buffer + one segment reaches its 18 s target (30 s at the top)",
    "[abr][players][dashjs]") {
  // Throughput rule only (the hand-over at 100 s never happens).
  auto abr = make_abr("dashjs:hybrid_switch_buffer_time_s=100", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(2e6, 4.0, 1));
  // 16 + 4 >= 18: polls every 0.5 s until 13.5 + 4 < 18.
  const Decision gated = abr->decide(state_at(16, 1));
  CHECK(gated.delay_s == Approx(2.5));
  CHECK(gated.reasons.buffer_s == Approx(13.5));
  CHECK(gated.rung == 2);
  // At the top rung the target is 30 s; the switch down to rung 2 meets the
  // 18 s target of the new rung before its first request.
  const Decision top = abr->decide(state_at(16, 5));
  CHECK(top.reasons.buffer_s == 16);
  CHECK(top.rung == 2);
  CHECK(top.delay_s == Approx(2.5));
  auto continuous =
      make_abr("dashjs:hybrid_switch_buffer_time_s=100,schedule_timeout_s=0", ladder());
  (void)continuous->decide(state_at(0, kNoRung));
  continuous->on_download(download(2e6, 4.0, 1));
  CHECK(continuous->decide(state_at(16, 1)).delay_s == Approx(2.0));
}

TEST_CASE(
    "dash.js's InsufficientBufferRule drops to the lowest rung on an empty buffer after 2 segments",
    "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(2e6, 4.0, 3));
  // One segment in: the rule still ignores (segmentIgnoreCount 2), and the
  // throughput rule needs a loaded buffer (> 0.3 s): nobody asks.
  const Decision early = abr->decide(state_at(0.2, 3, 4));
  CHECK(early.reasons.rule == "dashjs_no_change");
  CHECK(early.rung == 3);
  abr->on_download(download(2e6, 4.0, 3, 4));
  const Decision empty = abr->decide(state_at(0.2, 3, 8));
  CHECK(empty.reasons.rule == "insufficient_buffer_rule");
  CHECK(empty.rung == 0);
}

TEST_CASE("dash.js's InsufficientBufferRule caps at 0.7 x throughput x buffer / segment duration",
          "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(2e6, 4.0, 1));
  abr->on_download(download(2e6, 4.0, 1, 4));
  // 2 Mbit/s x 0.7 x 2 s / 4 s = 700 kbit/s: rung 0, under the throughput rule's rung 2.
  const Decision low = abr->decide(state_at(2, 1, 8));
  CHECK(low.reasons.rule == "insufficient_buffer_rule");
  CHECK(low.rung == 0);
  // At 8 s: 2.8 Mbit/s, rung 3, above the throughput rule's rung 2, which wins.
  const Decision high = abr->decide(state_at(8, 1, 8));
  CHECK(high.reasons.rule == "throughput_rule");
  CHECK(high.rung == 2);
  auto off = make_abr("dashjs:insufficient_buffer_rule=false", ladder());
  (void)off->decide(state_at(0, kNoRung));
  off->on_download(download(2e6, 4.0, 1));
  off->on_download(download(2e6, 4.0, 1, 4));
  CHECK(off->decide(state_at(2, 1, 8)).rung == 2);
}

TEST_CASE("dash.js's SwitchHistoryRule caps below a rung it dropped from in the last 8 decisions",
          "[abr][players][dashjs]") {
  auto abr = make_abr("dashjs:hybrid_switch_buffer_time_s=100", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(2e6, 4.0, 5));
  // A drop from rung 5 to the throughput rule's rung 2, then seven stays at 2.
  CHECK(abr->decide(state_at(10, 5)).rung == 2);
  for (int i = 0; i < 7; ++i) CHECK(abr->decide(state_at(10, 2)).rung == 2);
  // Throughput now sustains rung 5; the history (1 drop / 7 stays > 0.075)
  // holds it one rung below the rung it dropped from.
  abr->on_download(download(100e6, 4.0, 2));
  const Decision capped = abr->decide(state_at(10, 2));
  CHECK(capped.reasons.rule == "switch_history_rule");
  CHECK(capped.rung == 4);
  // That decision pushed the drop out of the 8-decision window.
  const Decision freed = abr->decide(state_at(10, 4));
  CHECK(freed.reasons.rule == "throughput_rule");
  CHECK(freed.rung == 5);
}

TEST_CASE("dash.js options are checked and named in errors", "[abr][players][dashjs]") {
  CHECK_THAT(error_of([] { (void)make_abr("dashjs:bandwidth_safety_factor=1.5", ladder()); }),
             Contains("bandwidth_safety_factor"));
  CHECK_THAT(error_of([] { (void)make_abr("dashjs:initial_bitrate_bps=0", ladder()); }),
             Contains("initial_bitrate_bps"));
  CHECK_THAT(
      error_of([] { (void)make_abr("dashjs:throughput_rule=false,bola_rule=false", ladder()); }),
      Contains("at least one"));
  CHECK_THAT(error_of([] { (void)make_abr("dashjs:switch_history_sample_size=0", ladder()); }),
             Contains("switch_history_sample_size"));
  CHECK_THAT(error_of([] { (void)make_abr("dashjs:hybrid_switch_buffer_time_s=-1", ladder()); }),
             Contains("hybrid_switch_buffer_time_s"));
  CHECK_THAT(error_of([] {
               (void)make_abr("dashjs:ewma_weight_per_ms=1,fast_half_life_s=0.5", ladder());
             }),
             Contains("ewma_weight_per_ms"));
  CHECK_THAT(error_of([] { (void)make_abr("dashjs:stable_buffer_time=12", ladder()); }),
             Contains("stable_buffer_time"));
  CHECK(make_abr("dashjs:initial_bitrate_bps=-1", ladder())->name() == "dashjs");
}
