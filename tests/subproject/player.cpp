// A player embedding only the engine header and library.
#include <streamopt/engine.hpp>

#include <iostream>
#include <memory>

int main() {
  const auto manifest = std::make_shared<const streamopt::Manifest>(streamopt::Manifest::synthetic_default());
  auto abr = streamopt::make_abr("robust_mpc:predictor=ewma", manifest);
  abr->on_download({0, 1, 500000, 0.0, 1.0});
  const auto decision = abr->decide({1.0, 12.0, 1, 48, 1, false});
  std::cout << "decision: rung " << decision.rung << " (" << decision.reasons.rule << ")\n";
  return 0;
}
