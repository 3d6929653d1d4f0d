// The models of the players' shipped ABR (hlsjs, exoplayer, shaka), checked
// against each player's documented behaviour and hand-computed estimates.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

// The envivio ladder (192 s: not long-form content) and player states.
const Manifest& ladder() { return test::envivio_ladder(); }
using test::state_at;

DownloadReport download(std::uint64_t bytes, double seconds, double start_s = 0, std::size_t rung = 0) {
  DownloadReport r;
  r.rung = rung;
  r.size_bytes = bytes;
  r.start_time_s = start_s;
  r.download_time_s = seconds;
  return r;
}

}  // namespace

TEST_CASE("hls.js starts from its 500 kbit/s default estimate", "[abr][players][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  const Decision d = abr->decide(state_at(0, kNoRung));
  CHECK(d.reasons.rule == "hlsjs_first");
  CHECK(d.reasons.estimate_bps == 5e5);
  CHECK(d.rung == 0);  // 750 kbit/s > 500 kbit/s
  auto configured = make_abr("hlsjs:default_estimate_bps=2e6", ladder());
  CHECK(configured->decide(state_at(0, kNoRung)).rung == 3);  // first selection: no safety factor, 1850 <= 2000
}

TEST_CASE("hls.js estimates the min of its 3 s and 9 s EWMAs", "[abr][players][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  abr->on_download(download(1'000'000, 4.0));  // 2 Mbit/s over 4 s
  CHECK(abr->decide(state_at(10, 2)).reasons.estimate_bps == Approx(2e6));
  abr->on_download(download(1'000'000, 1.0, 4.0));  // 8 Mbit/s over 1 s
  // Hand-computed: fast 3.80695e6, slow 3.39157e6 (zero-bias corrected).
  CHECK(abr->decide(state_at(10, 2)).reasons.estimate_bps == Approx(3.391567e6).epsilon(1e-6));
}

TEST_CASE("hls.js switches up against 0.7 x estimate but stays or goes down against 0.95", "[abr][players][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  abr->on_download(download(1'000'000, 4.0));  // estimate 2 Mbit/s: 0.95 -> 1.9, 0.7 -> 1.4 Mbit/s
  const Decision stay = abr->decide(state_at(10, 3));
  CHECK(stay.rung == 3);  // 1850 <= 1900 keeps rung 3
  CHECK(stay.reasons.rule == "hlsjs_no_rebuffer");
  CHECK(abr->decide(state_at(10, 2)).rung == 2);  // 1850 > 1400: no switch up from 1200
  CHECK(abr->decide(state_at(10, 5)).rung == 3);  // down from 4300 to the highest under 1900
  CHECK(abr->decide(state_at(10, 0)).rung == 2);  // up only to 1200 <= 1400
}

TEST_CASE("hls.js picks a rung it can fetch before the buffer runs out", "[abr][players][hlsjs]") {
  auto abr = make_abr("hlsjs", ladder());
  abr->on_download(download(1'000'000, 4.0));  // 2 Mbit/s; 0.95 x = 1.9 Mbit/s
  // Fetch times at 1.9 Mbit/s of a 4 s segment: 0.63, 1.58, 2.53, 3.89 s for rungs 0..3.
  CHECK(abr->decide(state_at(1.0, 3)).rung == 0);
  CHECK(abr->decide(state_at(3.0, 3)).rung == 2);
  // Empty buffer: nothing avoids a stall, so allow min(segment, 4 s) of it.
  const Decision empty = abr->decide(state_at(0.0, 3));
  CHECK(empty.reasons.rule == "hlsjs_starvation");
  CHECK(empty.rung == 3);  // 3.89 s < 0 + 4 s
}

TEST_CASE("ExoPlayer starts from its 1 Mbit/s estimate and waits for 2 s or 512 KiB of samples",
          "[abr][players][exoplayer]") {
  auto abr = make_abr("exoplayer", ladder());
  const Decision first = abr->decide(state_at(0, kNoRung));
  CHECK(first.reasons.rule == "exoplayer_initial");
  CHECK(first.reasons.estimate_bps == 1e6);
  CHECK(first.reasons.conservative_bps == Approx(7e5));
  CHECK(first.rung == 0);  // 750 kbit/s > 0.7 x 1 Mbit/s
  abr->on_download(download(100'000, 0.1));  // 8 Mbit/s, but 0.1 s and 100 kB: estimate unchanged
  CHECK(abr->decide(state_at(30, 0)).reasons.estimate_bps == 1e6);
  abr->on_download(download(500'000, 1.0, 0.1));  // 4 Mbit/s; 600 kB in all
  // Weighted median of {4 Mbit/s: sqrt(5e5) = 707, 8 Mbit/s: sqrt(1e5) = 316}: the 4 Mbit/s sample.
  CHECK(abr->decide(state_at(30, 0)).reasons.estimate_bps == Approx(4e6));
  CHECK(make_abr("exoplayer:initial_bitrate_estimate_bps=2e6", ladder())->decide(state_at(0, kNoRung)).rung == 2);
}

TEST_CASE("ExoPlayer holds a lower rung until 10 s are buffered", "[abr][players][exoplayer]") {
  auto abr = make_abr("exoplayer", ladder());
  (void)abr->decide(state_at(0, kNoRung));
  abr->on_download(download(1'000'000, 2.0));  // 4 Mbit/s, 2 s: the estimate is trusted
  // Ideal: highest under 0.7 x 4 = 2.8 Mbit/s, rung 3.
  const Decision held = abr->decide(state_at(9.9, 1));
  CHECK(held.reasons.rule == "exoplayer_hold_up");
  CHECK(held.rung == 1);
  const Decision up = abr->decide(state_at(10.0, 1));
  CHECK(up.reasons.rule == "exoplayer_ideal");
  CHECK(up.rung == 3);
}

TEST_CASE("ExoPlayer holds a higher rung while 25 s or more are buffered", "[abr][players][exoplayer]") {
  auto abr = make_abr("exoplayer", ladder());
  (void)abr->decide(state_at(0, kNoRung));  // the estimate stays 1 Mbit/s: ideal rung 0
  const Decision held = abr->decide(state_at(25.0, 5));
  CHECK(held.reasons.rule == "exoplayer_hold_down");
  CHECK(held.rung == 5);
  CHECK(abr->decide(state_at(24.9, 5)).rung == 0);
  auto eager = make_abr("exoplayer:max_duration_for_quality_decrease_s=60", ladder());
  (void)eager->decide(state_at(0, kNoRung));
  CHECK(eager->decide(state_at(25.0, 5)).rung == 0);
}

TEST_CASE("Shaka starts from its 1 Mbit/s default and trusts samples after 128 kB", "[abr][players][shaka]") {
  auto abr = make_abr("shaka", ladder());
  const Decision first = abr->decide(state_at(0, kNoRung));
  CHECK(first.reasons.rule == "shaka_initial");
  CHECK(first.reasons.estimate_bps == 1e6);
  CHECK(first.rung == 1);  // 750 <= 0.95 x 1000 kbit/s
  abr->on_download(download(10'000, 0.01));  // under 16 kB: ignored
  abr->on_download(download(100'000, 0.1, 0.01));  // 8 Mbit/s, but 100 kB < 128 kB sampled
  const Decision waiting = abr->decide(state_at(4, 1, 0.11));
  CHECK(waiting.reasons.rule == "shaka_startup");
  CHECK(waiting.reasons.estimate_bps == 1e6);
  CHECK(waiting.rung == 1);
  abr->on_download(download(50'000, 0.1, 0.11));  // 4 Mbit/s; 150 kB: trusted, switch at once
  const Decision trusted = abr->decide(state_at(4, 1, 0.21));
  CHECK(trusted.reasons.rule == "shaka_choose");
  // EWMAs of 8 Mbit/s for 0.1 s then 4 Mbit/s for 0.1 s: fast 5.96535e6, slow 5.98614e6.
  CHECK(trusted.reasons.estimate_bps == Approx(5.965346e6).epsilon(1e-6));
  CHECK(trusted.rung == 5);  // 4300 <= 0.95 x 5.965 Mbit/s
}

TEST_CASE("Shaka estimates the min of its 2 s and 5 s EWMAs and waits 8 s between choices",
          "[abr][players][shaka]") {
  auto abr = make_abr("shaka", ladder());
  CHECK(abr->decide(state_at(0, kNoRung, 0.0)).rung == 1);
  abr->on_download(download(1'000'000, 4.0, 0.0));  // 2 Mbit/s; startup over: choose now (t = 4)
  Decision d = abr->decide(state_at(4, 1, 4.0));
  CHECK(d.reasons.estimate_bps == Approx(2e6));
  CHECK(d.rung == 3);  // 1850 <= 1900
  abr->on_download(download(1'000'000, 1.0, 4.0));  // 8 Mbit/s, ends at t = 5: 1 s after the choice
  d = abr->decide(state_at(7, 3, 5.0));
  // Hand-computed: fast 4.13473e6, slow 3.55339e6; 0.95 x 3.553 Mbit/s would allow rung 4.
  CHECK(d.reasons.estimate_bps == Approx(3.553393e6).epsilon(1e-6));
  CHECK(d.reasons.rule == "shaka_switch_interval");
  CHECK(d.rung == 3);
  abr->on_download(download(1'000'000, 1.0, 11.0));  // ends at t = 12: 8 s after the choice
  d = abr->decide(state_at(10, 3, 12.0));
  CHECK(d.reasons.rule == "shaka_choose");
  CHECK(d.reasons.estimate_bps == Approx(4.572670e6).epsilon(1e-6));
  CHECK(d.rung == 5);  // 4300 <= 0.95 x 4.573 = 4344 kbit/s
}

TEST_CASE("The player models reject bad options by name", "[abr][players]") {
  const Manifest& m = ladder();
  CHECK_THROWS_WITH(make_abr("hlsjs:bandwidth_up_factor=0", m), Contains("bandwidth_up_factor"));
  CHECK_THROWS_WITH(make_abr("hlsjs:fast_half_life_s=-3", m), Contains("fast_half_life_s"));
  CHECK_THROWS_WITH(make_abr("hlsjs:fast_half_life=3", m), Contains("unknown option 'fast_half_life'"));
  CHECK_THROWS_WITH(make_abr("exoplayer:bandwidth_fraction=1.5", m), Contains("bandwidth_fraction"));
  CHECK_THROWS_WITH(make_abr("exoplayer:percentile=0", m), Contains("percentile"));
  CHECK_THROWS_WITH(make_abr("exoplayer:initial_bitrate_estimate_bps=nan", m), Contains("initial_bitrate_estimate_bps"));
  CHECK_THROWS_WITH(make_abr("shaka:switch_interval_s=-1", m), Contains("switch_interval_s"));
  CHECK_THROWS_WITH(make_abr("shaka:min_time_to_switch_s=9", m), Contains("must not exceed switch_interval_s"));
  CHECK_THROWS_WITH(make_abr("shaka:bandwidth_downgrade_target=0", m), Contains("bandwidth_downgrade_target"));
}
