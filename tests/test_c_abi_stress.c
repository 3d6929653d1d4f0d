/* C ABI stress test: 32 threads, each with independent sessions (controllers
 * of every built-in kind and predictors) on ONE shared manifest handle. Made
 * for ThreadSanitizer (the tsan preset), and run by the default and asan
 * presets too. Each thread builds its controllers from the shared handle, all
 * wait at a barrier, the main thread then destroys the handle (controllers keep
 * the manifest they share), and every thread plays many on_download/decide
 * rounds over its own simulated links, checking every status, that every
 * decision is a rung, that invalid input fails on this thread with this
 * thread's message, and that a reset session decides as a fresh one. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "streamopt/streamopt.h"

enum { kThreads = 32, kSegments = 49, kMaxRungs = 16, kPasses = 2 };

static const char* const kSpecs[] = {
    "robust_mpc", "mpc", "bola", "bola:variant=basic", "bba", "bba:preset=pensieve", "rate", "dynamic",
    "fixed",      "rate:predictor=robust:inner=ewma",   "robust_mpc:horizon=3"};
enum { kSpecCount = sizeof kSpecs / sizeof kSpecs[0] };
static const char* const kPredictors[] = {"ewma", "harmonic:window=5", "percentile", "last", "robust"};
enum { kPredictorCount = sizeof kPredictors / sizeof kPredictors[0] };

typedef struct shared_state {
  sopt_manifest* manifest; /* destroyed by the main thread after the barrier */
  pthread_barrier_t built;
} shared_state;

typedef struct worker {
  shared_state* shared;
  int index;
  long checks;
  long failures;
  long decisions;
} worker;

#define CHECK(w, cond)                                                                                      \
  do {                                                                                                      \
    ++(w)->checks;                                                                                          \
    if (!(cond)) {                                                                                          \
      ++(w)->failures;                                                                                      \
      fprintf(stderr, "thread %d: %s:%d: CHECK(%s) failed; last error: %s\n", (w)->index, __FILE__, __LINE__, \
              #cond, sopt_last_error());                                                                    \
    }                                                                                                       \
  } while (0)

/* A small per-thread generator: no shared state, no libc rand(). */
static uint32_t next_random(uint64_t* state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*state >> 33);
}

static void* run_worker(void* arg) {
  worker* w = arg;
  shared_state* shared = w->shared;
  uint64_t random = 0x9e3779b97f4a7c15ull ^ (uint64_t)w->index * 0x100000001b3ull;

  /* Built from the shared handle, concurrently with the other threads. */
  sopt_abr* abrs[kSpecCount] = {0};
  sopt_predictor* predictors[kPredictorCount] = {0};
  size_t rungs = 0, segments = 0;
  double segment_s = 0;
  uint64_t sizes[kSegments][kMaxRungs];
  CHECK(w, sopt_manifest_info(shared->manifest, &rungs, &segments, &segment_s) == SOPT_OK);
  CHECK(w, rungs > 0 && rungs <= kMaxRungs && segments == kSegments && segment_s > 0);
  if (rungs == 0 || rungs > kMaxRungs || segments != kSegments) rungs = 0;
  for (size_t s = 0; s < segments && rungs; ++s) {
    for (size_t r = 0; r < rungs; ++r) {
      CHECK(w, sopt_manifest_segment_size(shared->manifest, s, r, &sizes[s][r]) == SOPT_OK);
    }
  }
  for (int i = 0; i < kSpecCount; ++i) {
    /* Rotate the order so that threads create different kinds at the same time. */
    const int k = (i + w->index) % kSpecCount;
    CHECK(w, sopt_abr_create(kSpecs[k], shared->manifest, &abrs[k]) == SOPT_OK);
  }
  for (int i = 0; i < kPredictorCount; ++i) {
    CHECK(w, sopt_predictor_create(kPredictors[i], &predictors[i]) == SOPT_OK);
  }
  pthread_barrier_wait(&shared->built); /* every thread has built its sessions */
  pthread_barrier_wait(&shared->built); /* the main thread has destroyed the manifest handle */

  for (int k = 0; k < kSpecCount && rungs; ++k) {
    sopt_abr* abr = abrs[k];
    if (!abr) continue;
    size_t first_rung = SOPT_NO_RUNG;
    for (int pass = 0; pass < kPasses; ++pass) {
      /* Each pass is one session over its own link of 0.3..8 Mbps with noise. */
      const double base_bps = 3e5 + (double)(next_random(&random) % 7700) * 1e3;
      double now_s = 0, buffer_s = 0;
      size_t last = SOPT_NO_RUNG;
      int stalled = 0;
      for (size_t segment = 0; segment < kSegments; ++segment) {
        sopt_player_state state = {now_s, buffer_s, segment, kSegments - segment, last, stalled};
        sopt_decision decision;
        memset(&decision, 0xff, sizeof decision);
        const sopt_status status = sopt_abr_decide(abr, &state, &decision);
        CHECK(w, status == SOPT_OK);
        if (status != SOPT_OK) break;
        CHECK(w, decision.rung < rungs);
        CHECK(w, isfinite(decision.delay_s) && decision.delay_s >= 0);
        CHECK(w, memchr(decision.rule, '\0', sizeof decision.rule) != NULL);
        if (decision.rung >= rungs) break;
        ++w->decisions;
        if (segment == 0) {
          /* A reset session decides its first segment as a fresh one does. */
          if (pass == 0) first_rung = decision.rung;
          else CHECK(w, decision.rung == first_rung);
        }
        if (segment == kSegments / 2) {
          /* Invalid input fails here, on this thread, with this thread's message. */
          sopt_download_report bad = {segment, decision.rung, sizes[segment][decision.rung], now_s, NAN};
          CHECK(w, sopt_abr_on_download(abr, &bad) == SOPT_ERR_INVALID);
          CHECK(w, strstr(sopt_last_error(), "download_time_s") != NULL);
          sopt_player_state wrong = state;
          wrong.last_rung = rungs + (size_t)w->index;
          sopt_decision unused;
          CHECK(w, sopt_abr_decide(abr, &wrong, &unused) == SOPT_ERR_INVALID);
          CHECK(w, strstr(sopt_last_error(), "last_rung") != NULL);
        }
        const double noise = 0.5 + (double)(next_random(&random) % 1000) / 1000.0;
        const uint64_t size_bytes = sizes[segment][decision.rung];
        const double download_s = 0.02 + (double)size_bytes * 8.0 / (base_bps * noise);
        now_s += decision.delay_s;
        buffer_s -= decision.delay_s;
        if (buffer_s < 0) buffer_s = 0;
        sopt_download_report report = {segment, decision.rung, size_bytes, now_s, download_s};
        CHECK(w, sopt_abr_on_download(abr, &report) == SOPT_OK);
        for (int p = 0; p < kPredictorCount; ++p) {
          sopt_prediction prediction;
          CHECK(w, sopt_predictor_observe(predictors[p], &report) == SOPT_OK);
          CHECK(w, sopt_predictor_predict(predictors[p], &prediction) == SOPT_OK);
          CHECK(w, prediction.valid && isfinite(prediction.estimate_bps) && prediction.estimate_bps > 0);
          CHECK(w, isfinite(prediction.conservative_bps) && prediction.conservative_bps >= 0);
        }
        stalled = download_s > buffer_s;
        buffer_s = (stalled ? 0 : buffer_s - download_s) + segment_s;
        if (buffer_s > 60) buffer_s = 60;
        now_s += download_s;
        last = decision.rung;
      }
      CHECK(w, sopt_abr_reset(abr) == SOPT_OK);
      for (int p = 0; p < kPredictorCount; ++p) CHECK(w, sopt_predictor_reset(predictors[p]) == SOPT_OK);
    }
  }
  for (int k = 0; k < kSpecCount; ++k) sopt_abr_destroy(abrs[(k + w->index) % kSpecCount]);
  for (int p = 0; p < kPredictorCount; ++p) sopt_predictor_destroy(predictors[p]);
  return NULL;
}

int main(void) {
  shared_state shared;
  if (sopt_manifest_synthetic(7, &shared.manifest) != SOPT_OK) {
    fprintf(stderr, "sopt_manifest_synthetic: %s\n", sopt_last_error());
    return 1;
  }
  if (pthread_barrier_init(&shared.built, NULL, kThreads + 1) != 0) {
    fprintf(stderr, "pthread_barrier_init failed\n");
    return 1;
  }
  worker workers[kThreads];
  pthread_t threads[kThreads];
  int started = 0;
  for (int i = 0; i < kThreads; ++i) {
    workers[i] = (worker){&shared, i, 0, 0, 0};
    if (pthread_create(&threads[i], NULL, run_worker, &workers[i]) != 0) {
      fprintf(stderr, "pthread_create failed for thread %d\n", i);
      return 1; /* the others wait at the barrier forever: fail loudly instead */
    }
    ++started;
  }
  pthread_barrier_wait(&shared.built);
  sopt_manifest_destroy(shared.manifest); /* the controllers share what they need */
  shared.manifest = NULL;
  pthread_barrier_wait(&shared.built);
  long checks = 0, failures = 0, decisions = 0;
  for (int i = 0; i < started; ++i) {
    pthread_join(threads[i], NULL);
    checks += workers[i].checks;
    failures += workers[i].failures;
    decisions += workers[i].decisions;
  }
  pthread_barrier_destroy(&shared.built);
  const long expected = (long)kThreads * kSpecCount * kPasses * kSegments;
  if (decisions != expected) {
    fprintf(stderr, "%ld decisions, expected %ld\n", decisions, expected);
    ++failures;
  }
  printf("c_abi_stress: %d threads, %ld decisions, %ld checks, %ld failed\n", kThreads, decisions, checks, failures);
  return failures == 0 ? 0 : 1;
}
