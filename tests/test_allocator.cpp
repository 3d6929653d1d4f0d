// Bandwidth allocators: each one's defining property on hand-checked cases,
// the shared invariants on random populations, and the input checks.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

// A session on `ladder` with a full buffer (no refill need) unless given.
EdgeSession session_on(const std::vector<double>& ladder, double buffer_s = 30, std::size_t max_rung = kNoRung) {
  EdgeSession s;
  s.bitrates_bps = ladder;
  s.buffer_s = buffer_s;
  s.max_rung = max_rung;
  return s;
}

std::vector<EdgeAllocation> run(const std::string& spec, double capacity_bps, const std::vector<EdgeSession>& sessions) {
  std::vector<EdgeAllocation> out(sessions.size());
  make_allocator(spec)->allocate(capacity_bps, sessions, out);
  return out;
}

const std::vector<double> kLadderA{1e6, 2e6, 3e6};
const std::vector<double> kLadderB{0.5e6, 2.5e6, 4.5e6};

}  // namespace

TEST_CASE("The registry lists every allocator and rejects unknown names and options", "[edge][allocator]") {
  std::vector<std::string> names;
  for (const auto& [name, summary] : Registry::builtin().allocator_names()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"equal", "maxmin", "none", "proportional", "qoe_fair", "utility"});
  CHECK_THROWS_WITH(make_allocator("fairest"), Contains("unknown allocator 'fairest'") && Contains("qoe_fair"));
  CHECK_THROWS_WITH(make_allocator("equal:headroom=1.5"), Contains("headroom"));
  CHECK_THROWS_WITH(make_allocator("qoe_fair:refil_s=3"), Contains("refil_s"));
  CHECK_THROWS_WITH(make_allocator("utility:floor=2"), Contains("floor"));
  CHECK(make_allocator("maxmin:headroom=1")->name() == "maxmin");
}

TEST_CASE("Bad session input is refused naming the session and field", "[edge][allocator]") {
  auto allocator = make_allocator("qoe_fair");
  std::vector<EdgeSession> sessions{session_on(kLadderA), session_on(kLadderB)};
  std::vector<EdgeAllocation> out(2);
  const std::vector<double> unsorted{2e6, 1e6};
  sessions[1].bitrates_bps = unsorted;
  CHECK_THROWS_WITH(allocator->allocate(5e6, sessions, out), Contains("session 1") && Contains("bitrates_bps[1]"));
  sessions[1] = session_on(kLadderB);
  sessions[0].buffer_s = -1;
  CHECK_THROWS_WITH(allocator->allocate(5e6, sessions, out), Contains("session 0") && Contains("buffer_s"));
  sessions[0] = session_on(kLadderA, 30, 7);
  CHECK_THROWS_WITH(allocator->allocate(5e6, sessions, out), Contains("max_rung 7"));
  sessions[0] = session_on(kLadderA);
  const std::vector<double> short_table{1.0};
  sessions[0].utilities = short_table;
  CHECK_THROWS_WITH(allocator->allocate(5e6, sessions, out), Contains("utilities has 1 entries for 3 rungs"));
  sessions[0] = session_on(kLadderA);
  CHECK_THROWS_WITH(allocator->allocate(std::nan(""), sessions, out), Contains("capacity_bps"));
  std::vector<EdgeAllocation> wrong(1);
  CHECK_THROWS_WITH(allocator->allocate(5e6, sessions, wrong), Contains("1 outputs for 2 sessions"));
  // Nothing above changed `out`, and good input works.
  CHECK(out[0].rate_bps == 0);
  allocator->allocate(5e6, sessions, out);
  CHECK(out[0].rate_bps > 0);
}

TEST_CASE("none leaves sessions uncapped; equal splits the capacity evenly", "[edge][allocator]") {
  const std::vector<EdgeSession> sessions{session_on(kLadderA), session_on(kLadderB), session_on(kLadderA)};
  for (const auto& a : run("none", 9e6, sessions)) {
    CHECK(std::isinf(a.cap_bps));
    CHECK(a.rate_bps == 0);
  }
  for (const auto& a : run("equal:headroom=0.9", 9e6, sessions)) CHECK(a.cap_bps == Approx(2.7e6));
}

TEST_CASE("maxmin water-fills: small demands are met, the rest split evenly", "[edge][allocator]") {
  // Device tops: 1, 5 and 10 Mbit/s on 12 Mbit/s: 1 is met, then 5.5 each
  // would exceed 5, so 5 is met and the last gets the remaining 6.
  const std::vector<double> small{0.5e6, 1e6}, mid{1e6, 5e6}, big{2e6, 10e6};
  const auto out = run("maxmin:headroom=1", 12e6,
                       {session_on(small), session_on(mid), session_on(big)});
  CHECK(out[0].cap_bps == Approx(1e6));
  CHECK(out[1].cap_bps == Approx(5e6));
  CHECK(out[2].cap_bps == Approx(6e6));
  // A screen cap lowers a session's demand.
  const auto capped = run("maxmin:headroom=1", 12e6, {session_on(big, 30, 0), session_on(big)});
  CHECK(capped[0].cap_bps == Approx(2e6));
  CHECK(capped[1].cap_bps == Approx(10e6));
}

TEST_CASE("proportional shares follow the top bitrate each device can use", "[edge][allocator]") {
  const auto out = run("proportional:headroom=1", 6e6, {session_on(kLadderA), session_on(kLadderA, 30, 0)});
  CHECK(out[0].cap_bps == Approx(4.5e6));  // demand 3 of a total 4
  CHECK(out[1].cap_bps == Approx(1.5e6));
}

TEST_CASE("qoe_fair maximises the lowest utility where equal caps do not", "[edge][allocator]") {
  // Equal caps of 2.5 Mbit/s put B at its 2.5 rung and A at 2; a cap of 2.25
  // would leave B at 0.5. qoe_fair raises the worst-off first: A 1 -> 2, B
  // 0.5 -> 2.5, and neither further step fits in 5 Mbit/s.
  const std::vector<EdgeSession> sessions{session_on(kLadderA), session_on(kLadderB)};
  const auto equal = run("equal:headroom=0.9", 5e6, sessions);
  CHECK(rung_under_cap(kLadderB, equal[1].cap_bps) == 0);
  const auto fair = run("qoe_fair:headroom=1", 5e6, sessions);
  CHECK(fair[0].cap_bps == 2e6);
  CHECK(fair[1].cap_bps == 2.5e6);
  // Target rates are work-conserving and in proportion to the needs.
  CHECK(fair[0].rate_bps + fair[1].rate_bps == Approx(5e6));
  CHECK(fair[1].rate_bps / fair[0].rate_bps == Approx(2.5 / 2.0));
}

TEST_CASE("qoe_fair charges a session low on buffer for refilling it", "[edge][allocator]") {
  // Same ladder, one session empty: it needs bitrate x (1 + 10 / 20) at the
  // defaults, so it gets the larger target rate, and is not upgraded first.
  const std::vector<EdgeSession> sessions{session_on(kLadderA, 0), session_on(kLadderA, 30)};
  const auto out = run("qoe_fair:headroom=1", 5e6, sessions);
  CHECK(out[0].cap_bps <= out[1].cap_bps);
  const double need0 = out[0].cap_bps * 1.5, need1 = out[1].cap_bps;
  CHECK(out[0].rate_bps / out[1].rate_bps == Approx(need0 / need1));
}

TEST_CASE("qoe_fair compares sessions by their utility tables, not bits", "[edge][allocator]") {
  // B's table says its 2.5 Mbit/s rung is already as good as A's top: the
  // max-min of utility gives A its top before B's third rung.
  std::vector<EdgeSession> sessions{session_on(kLadderA), session_on(kLadderB)};
  const std::vector<double> ua{1, 2, 3}, ub{1, 3, 3.2};
  sessions[0].utilities = ua;
  sessions[1].utilities = ub;
  const auto out = run("qoe_fair:headroom=1", 6e6, sessions);
  CHECK(out[0].cap_bps == 3e6);
  CHECK(out[1].cap_bps == 2.5e6);
}

TEST_CASE("utility buys the most utility per bit above the fairness floor", "[edge][allocator]") {
  // Two sessions; one values upgrades ten times more (weight). With floor 0
  // the spare bandwidth goes to it; with floor 1 the max-min result stands.
  std::vector<EdgeSession> sessions{session_on(kLadderA), session_on(kLadderA)};
  sessions[1].weight = 10;
  const auto greedy = run("utility:headroom=1,floor=0", 5e6, sessions);
  CHECK(greedy[1].cap_bps == 3e6);
  CHECK(greedy[0].cap_bps == 2e6);
  const auto fair = run("utility:headroom=1,floor=1", 4e6, sessions);
  CHECK(fair[0].cap_bps == 2e6);
  CHECK(fair[1].cap_bps == 2e6);
}

TEST_CASE("Every allocator stays within capacity and the device caps on random populations", "[edge][allocator]") {
  std::mt19937_64 rng(7);
  const std::vector<std::vector<double>> ladders{kLadderA, kLadderB, {0.3e6, 0.75e6, 1.2e6, 1.85e6, 2.85e6, 4.3e6}};
  std::vector<EdgeSession> sessions(200);
  for (auto& s : sessions) {
    s = session_on(ladders[rng() % ladders.size()], static_cast<double>(rng() % 30));
    if (rng() % 3 == 0) s.max_rung = 1;
  }
  for (const char* spec : {"equal", "proportional", "maxmin", "qoe_fair", "utility"}) {
    INFO(spec);
    for (double capacity : {0.0, 50e6, 300e6, 2e9}) {
      const auto out = run(spec, capacity, sessions);
      double caps = 0, rates = 0;
      for (std::size_t i = 0; i < out.size(); ++i) {
        CHECK(out[i].cap_bps >= 0);
        CHECK(out[i].rate_bps >= 0);
        rates += out[i].rate_bps;
        if (std::string(spec) == "qoe_fair" || std::string(spec) == "utility") {
          CHECK(rung_under_cap(sessions[i].bitrates_bps, out[i].cap_bps) <= top_usable_rung(sessions[i]));
          caps += sessions[i].bitrates_bps[rung_under_cap(sessions[i].bitrates_bps, out[i].cap_bps)];
        } else {
          caps += out[i].cap_bps;
        }
      }
      CHECK(rates <= capacity * (1 + 1e-9) + 1e-6);
      if (capacity >= 300e6) CHECK(caps <= capacity * 0.9 * (1 + 1e-9));
    }
    // The same input gives the same output.
    CHECK(run(spec, 80e6, sessions)[17].cap_bps == run(spec, 80e6, sessions)[17].cap_bps);
  }
}

TEST_CASE("rung_under_cap picks the highest rung at or under a cap", "[edge][allocator]") {
  CHECK(rung_under_cap(kLadderA, 0) == 0);
  CHECK(rung_under_cap(kLadderA, 2e6) == 1);
  CHECK(rung_under_cap(kLadderA, 2.9e6) == 1);
  CHECK(rung_under_cap(kLadderA, std::numeric_limits<double>::infinity()) == 2);
}
