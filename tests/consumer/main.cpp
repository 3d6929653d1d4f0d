// A minimal program built against an installed streamopt.
#include <streamopt/streamopt.hpp>

#include <iostream>

int main() {
  const auto manifest = streamopt::Manifest::synthetic_default();
  auto abr = streamopt::make_abr("robust_mpc", manifest);
  streamopt::DownloadReport report;
  report.size_bytes = 500000;
  report.download_time_s = 1.0;
  abr->on_download(report);
  streamopt::PlayerState state;
  state.buffer_s = 12.0;
  state.next_segment = 1;
  state.segments_left = 48;
  state.last_rung = 1;
  const auto decision = abr->decide(state);
  std::cout << "decision: rung " << decision.rung << " (" << decision.reasons.rule << ")\n";
  return 0;
}
