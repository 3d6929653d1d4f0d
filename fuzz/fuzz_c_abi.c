/* libFuzzer target: the option-string and trace parsers through the C ABI.
 * The first byte picks the entry point, the rest is the input. Any status is
 * fine; crashes, hangs, leaks and sanitizer reports are not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "streamopt/streamopt.h"

static char* terminated(const uint8_t* data, size_t size) {
  char* text = malloc(size + 1);
  if (!text) return NULL;
  memcpy(text, data, size);
  text[size] = '\0';
  return text;
}

static void drive(sopt_abr* abr) {
  sopt_player_state state = {12.0, 7.5, 3, 20, 1, 0};
  sopt_download_report report = {2, 1, 400000, 10.0, 1.25};
  sopt_decision decision;
  sopt_abr_on_download(abr, &report);
  sopt_abr_decide(abr, &state, &decision);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const formats[] = {"auto", "cooked", "mahimahi", "sabre"};
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  ++data;
  --size;
  if (selector % 4 == 0) { /* controller spec */
    char* spec = terminated(data, size);
    sopt_manifest* manifest = NULL;
    sopt_abr* abr = NULL;
    if (spec && sopt_manifest_synthetic(1, &manifest) == SOPT_OK &&
        sopt_abr_create(spec, manifest, &abr) == SOPT_OK) {
      drive(abr);
    }
    sopt_abr_destroy(abr);
    sopt_manifest_destroy(manifest);
    free(spec);
  } else if (selector % 4 == 1) { /* predictor spec */
    char* spec = terminated(data, size);
    sopt_predictor* predictor = NULL;
    if (spec && sopt_predictor_create(spec, &predictor) == SOPT_OK) {
      sopt_prediction prediction;
      sopt_download_report report = {0, 0, 1000, 0.0, 0.5};
      sopt_predictor_observe(predictor, &report);
      sopt_predictor_predict(predictor, &prediction);
    }
    sopt_predictor_destroy(predictor);
    free(spec);
  } else { /* trace text, then a short session over it */
    sopt_trace* trace = NULL;
    if (sopt_trace_parse((const char*)data, size, formats[(selector / 4) % 4], &trace) == SOPT_OK) {
      sopt_manifest* manifest = NULL;
      const double bitrates[] = {3e5, 1.2e6};
      sopt_session_stats stats;
      if (sopt_manifest_from_arrays(bitrates, 2, 4.0, 5, NULL, &manifest) == SOPT_OK) {
        sopt_simulate(trace, manifest, "robust_mpc", selector & 0x80 ? "pensieve" : "default", NULL, &stats,
                      NULL, 0, NULL);
      }
      sopt_manifest_destroy(manifest);
    }
    sopt_trace_destroy(trace);
  }
  return 0;
}
