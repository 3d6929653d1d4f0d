/* c_player: plays one session through the streamopt C ABI and prints its QoE.
 *
 *   c_player TRACE VIDEO_DIR|synthetic ABR_SPEC [pensieve|default]
 *
 * The network and the player are simulated by sopt_sim (the same model as
 * `streamopt simulate`); the controller is driven exactly as a C player would
 * drive it: sopt_abr_decide() before each request, sopt_abr_on_download()
 * after each download. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "streamopt/streamopt.h"

static int fail(const char* what, sopt_status status) {
  fprintf(stderr, "c_player: %s failed (%s): %s\n", what, sopt_status_name(status), sopt_last_error());
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    fprintf(stderr, "usage: c_player TRACE VIDEO_DIR|synthetic ABR_SPEC [pensieve|default]\n");
    return 2;
  }
  const char* mode = argc == 5 ? argv[4] : "default";
  sopt_trace* trace = NULL;
  sopt_manifest* manifest = NULL;
  sopt_abr* abr = NULL;
  sopt_sim* sim = NULL;
  sopt_status st;
  int code = 1;

  if ((st = sopt_trace_load(argv[1], NULL, &trace)) != SOPT_OK) { code = fail("loading the trace", st); goto done; }
  st = strcmp(argv[2], "synthetic") == 0 ? sopt_manifest_synthetic(1, &manifest) : sopt_manifest_load(argv[2], &manifest);
  if (st != SOPT_OK) { code = fail("loading the manifest", st); goto done; }
  if ((st = sopt_abr_create(argv[3], manifest, &abr)) != SOPT_OK) { code = fail("creating the controller", st); goto done; }
  if ((st = sopt_sim_create(trace, manifest, mode, NULL, &sim)) != SOPT_OK) { code = fail("creating the session", st); goto done; }

  for (;;) {
    int finished = 0;
    sopt_player_state state;
    size_t forced = SOPT_NO_RUNG;
    sopt_decision decision = {0};
    sopt_download_report report;
    if ((st = sopt_sim_done(sim, &finished)) != SOPT_OK) { code = fail("sopt_sim_done", st); goto done; }
    if (finished) break;
    if ((st = sopt_sim_state(sim, &state, &forced)) != SOPT_OK) { code = fail("sopt_sim_state", st); goto done; }
    if (forced != SOPT_NO_RUNG) {
      decision.rung = forced;
    } else if ((st = sopt_abr_decide(abr, &state, &decision)) != SOPT_OK) {
      code = fail("sopt_abr_decide", st);
      goto done;
    }
    if ((st = sopt_sim_play(sim, &decision, &report)) != SOPT_OK) { code = fail("sopt_sim_play", st); goto done; }
    if ((st = sopt_abr_on_download(abr, &report)) != SOPT_OK) { code = fail("sopt_abr_on_download", st); goto done; }
  }
  {
    sopt_session_stats stats;
    if ((st = sopt_sim_stats(sim, &stats)) != SOPT_OK) { code = fail("sopt_sim_stats", st); goto done; }
    printf("segments=%zu qoe_per_segment=%.6f bitrate_kbps=%.0f rebuffer_s=%.3f switches=%zu\n", stats.segments,
           stats.qoe_per_segment, stats.mean_bitrate_bps / 1000.0, stats.rebuffer_s, stats.switches);
  }
  code = 0;

done:
  sopt_sim_destroy(sim);
  sopt_abr_destroy(abr);
  sopt_manifest_destroy(manifest);
  sopt_trace_destroy(trace);
  return code;
}
