#pragma once
// Factories of the built-in ABR controllers, registered in lib/builtin.cpp,
// plus small helpers they share.

#include <memory>

#include "streamopt/abr.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/options.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::model {
class RungPolicy;
}  // namespace streamopt::model

namespace streamopt::abr {

std::unique_ptr<AbrController> make_fixed(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_rate_based(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_bba(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_bola(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_dynamic(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_mpc(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_robust_mpc(const BuildContext& context, const OptionMap& options);
// Stochastic MPC (Fugu): the expectation over a fetch-time predictor's distribution.
std::unique_ptr<AbrController> make_stochastic_mpc(const BuildContext& context, const OptionMap& options);
// Models of the default ABR of hls.js, ExoPlayer (Media3) and Shaka Player.
std::unique_ptr<AbrController> make_hlsjs(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_exoplayer(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_shaka(const BuildContext& context, const OptionMap& options);
// Model of dash.js v5's default ABR (its four quality rules under DYNAMIC).
std::unique_ptr<AbrController> make_dashjs(const BuildContext& context, const OptionMap& options);
// Low-latency live controllers as dash.js v5 runs them: L2A-LL and LoL+
// (LoL+ also answers a playback rate from its catch-up control).
std::unique_ptr<AbrController> make_l2a(const BuildContext& context, const OptionMap& options);
std::unique_ptr<AbrController> make_lolp(const BuildContext& context, const OptionMap& options);
// A learned rung policy (docs/learning.md) trained by `algorithm`
// ("imitation", "ppo", "dqn"): `model=FILE`, else the shipped ALGORITHM.sopt.
std::unique_ptr<AbrController> make_learned_policy(const std::string& algorithm, const BuildContext& context,
                                                   const OptionMap& options);
// The same controller around a policy already in memory (the trainers'
// validation runs).
std::unique_ptr<AbrController> make_learned_policy(const std::string& algorithm, const BuildContext& context,
                                                   std::shared_ptr<const model::RungPolicy> policy);

// Highest rung whose nominal bitrate is <= rate_bps (rung 0 if none).
std::size_t highest_rung_below(const Manifest& manifest, double rate_bps);

// Reads a rung index option and checks it against the ladder.
std::size_t rung_option(const Manifest& manifest, const OptionMap& options, const char* key,
                        std::size_t fallback);

// Reads a number option that must lie in [low, high].
double ranged_option(const OptionMap& options, const char* key, double fallback, double low,
                     double high);

}  // namespace streamopt::abr
