/* libFuzzer target: the option-string and trace parsers, congestion
 * controllers fed arbitrary feedback, and the link simulator over parsed
 * traces, through the C ABI. The first byte picks the entry point, the rest
 * is the input. Any status is fine; crashes, hangs, leaks and sanitizer
 * reports are not. */
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

static const char* const cc_specs[] = {"gcc", "gcc:profile=draft02", "nada", "bbr"};

/* Feeds a controller feedback built from 6-byte records: sequence gap,
 * size, send gap, lost flag, one-way delay, then an RTT sample. */
static void drive_cc(const char* spec, const uint8_t* data, size_t size) {
  sopt_cc* cc = NULL;
  if (sopt_cc_create(spec, 300e3, 50e3, 5e6, &cc) != SOPT_OK) return;
  sopt_cc_packet packets[8];
  size_t n = 0;
  uint64_t seq = 0;
  double t = 0;
  for (size_t i = 0; i + 6 <= size; i += 6) {
    const uint8_t* r = data + i;
    seq += (uint64_t)(r[0] % 4);
    t += r[2] * 0.0005;
    packets[n].sequence = seq++;
    packets[n].size_bytes = (uint64_t)r[1] * 8u;
    packets[n].send_s = t;
    packets[n].lost = r[3] & 1;
    packets[n].arrival_s = t + r[4] * 0.002;
    sopt_cc_on_packet_sent(cc, packets[n].sequence, packets[n].size_bytes, t);
    if (++n == 8 || i + 12 > size) {
      sopt_cc_update update;
      sopt_cc_on_feedback(cc, t + 0.3, packets, n);
      sopt_cc_on_rtt(cc, 0.001 + r[5] * 0.004, t + 0.3);
      sopt_cc_on_tick(cc, t + 0.3);
      sopt_cc_get_update(cc, &update);
      n = 0;
    }
  }
  sopt_cc_destroy(cc);
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
  } else if (selector % 4 == 2 && (selector & 0x40)) { /* congestion-controller feedback */
    drive_cc(cc_specs[(selector >> 3) % 4], data, size);
  } else { /* trace text, then a short session over it (and a short link simulation) */
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
      if (selector & 0x40) {
        sopt_cc_metrics metrics;
        sopt_cc_flow_metrics flow;
        sopt_cc_run_trace(trace, cc_specs[(selector >> 4) % 4], 5.0, &metrics, &flow, 1, NULL);
      }
    }
    sopt_trace_destroy(trace);
  }
  return 0;
}
