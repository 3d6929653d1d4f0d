// Every algorithm streamopt ships, in one table: the place a newcomer adds a
// line. It sits at the top of the engine (it includes the predictor,
// controller and congestion-control folders); the registry mechanism below
// it, in core, knows none of them.
#include "abr/builtin.hpp"
#include "alloc/builtin.hpp"
#include "cc/builtin.hpp"
#include "predict/builtin.hpp"
#include "streamopt/registry.hpp"

namespace streamopt {

namespace {

Registry make_builtin() {
  Registry r;
  // Throughput predictors.
  r.add_predictor("last", "last sample", predict::make_last_sample);
  r.add_predictor("harmonic", "harmonic mean of the last N samples (window=5)", predict::make_harmonic_mean);
  r.add_predictor("ewma", "min of fast/slow EWMAs, dash.js/Shaka (3 s / 8 s half-lives)", predict::make_ewma);
  r.add_predictor("percentile", "sliding-window weighted percentile, ExoPlayer", predict::make_sliding_percentile);
  r.add_predictor("gbdt", "gradient-boosted trees on the last 8 downloads (model=shipped gbdt.sopt)", predict::make_gbdt);
  r.add_predictor("rf", "random forest on the last 8 downloads (model=shipped rf.sopt)", predict::make_rf);
  r.add_predictor("mlp", "MLP regressor on the last 8 downloads (model=shipped mlp.sopt)", predict::make_mlp_predictor);
  r.add_predictor("robust", "RobustMPC discount by the max recent error (inner=harmonic)", predict::make_robust);
  // Fetch-time (transmission-time) predictors.
  r.add_fetch_time("throughput", "point mass at size / a throughput predictor's estimate (predictor=harmonic)",
                   predict::make_fetch_time_from_throughput);
  r.add_fetch_time("empirical", "the last N throughput samples as equally likely rates (window=8)",
                   predict::make_empirical_fetch_time);
  r.add_fetch_time("ttp", "learned Fugu-style fetch-time distribution in 21 bins (model=shipped ttp.sopt)",
                   predict::make_ttp);
  // ABR controllers.
  r.add_abr("fixed", "always one rung (rung=0)", abr::make_fixed);
  r.add_abr("rate", "throughput rule: highest rung under safety x prediction (predictor=harmonic)", abr::make_rate_based);
  r.add_abr("bba", "buffer-based BBA-0, Huang et al. 2014 (preset=pensieve: bb.py)", abr::make_bba);
  r.add_abr("bola", "BOLA, Spiteri et al. 2016 (variant=e|basic, dash.js parameters)", abr::make_bola);
  r.add_abr("dynamic", "dash.js DYNAMIC: throughput rule at low buffer, BOLA above", abr::make_dynamic);
  r.add_abr("mpc", "MPC, Yin et al. 2015 (horizon=5, predictor=harmonic, the session's QoE)", abr::make_mpc);
  r.add_abr("robust_mpc", "RobustMPC, Yin et al. 2015 (preset=pensieve: mpc.py)", abr::make_robust_mpc);
  r.add_abr("stochastic_mpc", "Fugu-style MPC over a fetch-time distribution, Yan et al. 2020 (ttp=ttp, horizon=15)",
            abr::make_stochastic_mpc);
  r.add_abr("hlsjs", "hls.js v1.7 default ABR: min of 3 s/9 s EWMAs, 0.95 (0.7 up) x estimate, fetch time < buffer", abr::make_hlsjs);
  r.add_abr("exoplayer", "Media3 1.11 AdaptiveTrackSelection: 0.7 x sliding median, up at >= 10 s buffer, down at < 25 s", abr::make_exoplayer);
  r.add_abr("shaka", "Shaka Player v5.2 SimpleAbrManager: min of 2 s/5 s EWMAs, 0.95 x estimate, one choice per 8 s", abr::make_shaka);
  r.add_abr("dashjs", "dash.js v5.2 default ABR: Throughput/BOLA by buffer (12 s on, 6 s off), InsufficientBuffer and SwitchHistory caps", abr::make_dashjs);
  r.add_abr("l2a", "L2A-LL, Karagkioules et al. 2020, as dash.js v5 L2ARule (horizon=4, react=2, b_target_s=1.5)", abr::make_l2a);
  r.add_abr("lolp", "LoL+, Bentaleb et al. 2021, as dash.js v5 LoLpRule: SOM + QoE weight selection, LoL+ playback-rate catch-up", abr::make_lolp);
  r.add_abr("imitation", "learned rung policy imitating an expert by DAgger (shipped imitation.sopt: robust_mpc:horizon=12; model=FILE)",
            [](const BuildContext& c, const OptionMap& o) { return abr::make_learned_policy("imitation", c, o); });
  r.add_abr("ppo", "learned rung policy: the imitation policy fine-tuned with PPO in the simulator (model=FILE, shipped ppo.sopt)",
            [](const BuildContext& c, const OptionMap& o) { return abr::make_learned_policy("ppo", c, o); });
  r.add_abr("dqn", "learned rung policy: double dueling n-step DQN in the simulator (model=FILE, shipped dqn.sopt)",
            [](const BuildContext& c, const OptionMap& o) { return abr::make_learned_policy("dqn", c, o); });
  // Congestion controllers (live path).
  r.add_cc("gcc", "Google Congestion Control, draft-ietf-rmcat-gcc-02 (profile=libwebrtc|draft02)", cc::make_gcc);
  r.add_cc("nada", "NADA, RFC 8698 (rmax_bps=1.5e6 in the price term)", cc::make_nada);
  r.add_cc("bbr", "BBR-style model-based: max delivery rate x pacing-gain cycle, min RTT", cc::make_bbr);
  // Bandwidth allocators (sessions sharing an edge link).
  r.add_allocator("none", "no allocation: players share the link as their downloads overlap", alloc::make_none);
  r.add_allocator("equal", "equal bitrate caps, headroom x capacity / n (headroom=0.9)", alloc::make_equal);
  r.add_allocator("proportional", "caps in proportion to weight x the top bitrate the device can use",
                  alloc::make_proportional);
  r.add_allocator("maxmin", "max-min fair bitrate by water-filling up to each device's top rung", alloc::make_maxmin);
  r.add_allocator("qoe_fair", "max-min fair QoE utility with buffer-aware needs, Minerva-style (target_buffer_s=10)",
                  alloc::make_qoe_fair);
  r.add_allocator("utility", "most total utility above floor x the max-min QoE level (floor=0.9)",
                  alloc::make_utility);
  return r;
}

}  // namespace

const Registry& Registry::builtin() {
  static const Registry registry = make_builtin();
  return registry;
}

}  // namespace streamopt
