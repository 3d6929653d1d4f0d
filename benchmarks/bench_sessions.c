/* Memory per session and decisions/s for many interleaved sessions, through
 * the C ABI, every controller sharing one manifest (docs/benchmarks.md,
 * "Sessions through the C ABI").
 *
 *   streamopt_bench_sessions [--spec S] [--sessions N] [--rounds R]
 *                            [--repetitions K] [--json FILE]
 *                            [--max-bytes-per-session B]
 *
 * Heap bytes per session: glibc's mallinfo2() in-use bytes (uordblks) after
 * creating N controllers on one synthetic manifest, minus the same before, over
 * N; again after R rounds of interleaved decisions (per-session state that grows
 * with use, and the per-thread memo table amortised over the N sessions).
 * Decisions/s: R rounds, round-robin over the N sessions, each step one
 * sopt_abr_on_download (the previous segment) then one sopt_abr_decide; every
 * session sees its own constant-throughput link (1..6 Mbps). Reported per
 * wall-clock second and per second of the process's CPU time (the steadier
 * figure on a shared machine). Each repetition
 * builds fresh sessions; the table shows every repetition and the median.
 * Uses only calls that exist since the first C ABI, so the same source measures
 * older trees. With --max-bytes-per-session, exits 1 when the median after the
 * rounds exceeds B (the smoke test's check of the 16 KB target).
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "streamopt/streamopt.h"

typedef struct session {
  sopt_abr* abr;
  double throughput_bps;
  double now_s;
  double buffer_s;
  size_t rung; /* last decided rung */
} session;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double heap_in_use(void) {
  struct mallinfo2 info = mallinfo2();
  return (double)info.uordblks;
}

static void die(const char* what, sopt_status status) {
  fprintf(stderr, "bench_sessions: %s: %s: %s\n", what, sopt_status_name(status), sopt_last_error());
  exit(2);
}

static int compare_doubles(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

static double median(double* values, size_t count) {
  qsort(values, count, sizeof *values, compare_doubles);
  return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

typedef struct run_result {
  double bytes_created;      /* per session, after sopt_abr_create */
  double bytes_after_rounds; /* per session, after the rounds */
  double decisions_per_s;     /* per wall-clock second */
  double decisions_per_cpu_s; /* per second of this process's CPU time */
  double seconds;
} run_result;

static run_result run_once(const char* spec, const sopt_manifest* manifest, size_t sessions, size_t rounds) {
  size_t rung_count = 0, segment_count = 0;
  double segment_s = 0;
  sopt_status status = sopt_manifest_info(manifest, &rung_count, &segment_count, &segment_s);
  if (status != SOPT_OK) die("sopt_manifest_info", status);
  if (rounds + 1 > segment_count) {
    fprintf(stderr, "bench_sessions: --rounds must be below the manifest's %zu segments\n", segment_count);
    exit(2);
  }
  /* The table of sessions itself is not a controller's cost: allocate it first. */
  session* all = calloc(sessions, sizeof *all);
  if (!all) {
    fprintf(stderr, "bench_sessions: out of memory\n");
    exit(2);
  }
  malloc_trim(0);
  const double before = heap_in_use();
  for (size_t i = 0; i < sessions; ++i) {
    status = sopt_abr_create(spec, manifest, &all[i].abr);
    if (status != SOPT_OK) die("sopt_abr_create", status);
    all[i].throughput_bps = 1e6 + (double)((i * 2654435761u) % 5000) * 1e3; /* 1..6 Mbps */
    all[i].rung = SOPT_NO_RUNG;
  }
  const double created = heap_in_use();

  /* Segment 0 first, so that every timed step has a download to report. */
  for (size_t i = 0; i < sessions; ++i) {
    sopt_player_state state = {0.0, 0.0, 0, segment_count, SOPT_NO_RUNG, 0};
    sopt_decision decision;
    status = sopt_abr_decide(all[i].abr, &state, &decision);
    if (status != SOPT_OK) die("sopt_abr_decide", status);
    all[i].rung = decision.rung;
  }
  size_t decisions = 0;
  const double start = now_seconds();
  const double start_cpu = cpu_seconds();
  for (size_t round = 0; round < rounds; ++round) {
    const size_t segment = round; /* just downloaded */
    for (size_t i = 0; i < sessions; ++i) {
      session* s = &all[i];
      uint64_t size_bytes = 0;
      status = sopt_manifest_segment_size(manifest, segment, s->rung, &size_bytes);
      if (status != SOPT_OK) die("sopt_manifest_segment_size", status);
      const double download_s = (double)size_bytes * 8.0 / s->throughput_bps;
      sopt_download_report report = {segment, s->rung, size_bytes, s->now_s, download_s};
      status = sopt_abr_on_download(s->abr, &report);
      if (status != SOPT_OK) die("sopt_abr_on_download", status);
      const int stalled = download_s > s->buffer_s;
      s->buffer_s = (stalled ? 0.0 : s->buffer_s - download_s) + segment_s;
      if (s->buffer_s > 60.0) s->buffer_s = 60.0;
      s->now_s += download_s;
      sopt_player_state state = {s->now_s, s->buffer_s, segment + 1, segment_count - segment - 1, s->rung,
                                 stalled};
      sopt_decision decision;
      status = sopt_abr_decide(s->abr, &state, &decision);
      if (status != SOPT_OK) die("sopt_abr_decide", status);
      if (decision.rung >= rung_count) {
        fprintf(stderr, "bench_sessions: decision %zu is not a rung\n", decision.rung);
        exit(2);
      }
      s->rung = decision.rung;
      ++decisions;
    }
  }
  const double seconds = now_seconds() - start;
  const double cpu = cpu_seconds() - start_cpu;
  const double after = heap_in_use();
  for (size_t i = 0; i < sessions; ++i) sopt_abr_destroy(all[i].abr);
  free(all);

  run_result result;
  result.bytes_created = (created - before) / (double)sessions;
  result.bytes_after_rounds = (after - before) / (double)sessions;
  result.seconds = seconds;
  result.decisions_per_s = seconds > 0 ? (double)decisions / seconds : 0;
  result.decisions_per_cpu_s = cpu > 0 ? (double)decisions / cpu : 0;
  return result;
}

static size_t parse_count(const char* flag, const char* value) {
  char* end = NULL;
  const unsigned long long v = strtoull(value, &end, 10);
  if (!*value || *end || v == 0 || v > 10000000ull) {
    fprintf(stderr, "bench_sessions: %s wants a count in 1..10000000, not '%s'\n", flag, value);
    exit(2);
  }
  return (size_t)v;
}

int main(int argc, char** argv) {
  const char* spec = "robust_mpc";
  const char* json_path = NULL;
  size_t sessions = 10000, rounds = 10, repetitions = 3;
  double max_bytes = 0;
  for (int i = 1; i < argc; ++i) {
    const char* flag = argv[i];
    if (i + 1 >= argc) {
      fprintf(stderr, "bench_sessions: %s: missing value (see the comment at the top of bench_sessions.c)\n", flag);
      return 2;
    }
    const char* value = argv[++i];
    if (!strcmp(flag, "--spec")) {
      spec = value;
    } else if (!strcmp(flag, "--sessions")) {
      sessions = parse_count(flag, value);
    } else if (!strcmp(flag, "--rounds")) {
      rounds = parse_count(flag, value);
    } else if (!strcmp(flag, "--repetitions")) {
      repetitions = parse_count(flag, value);
    } else if (!strcmp(flag, "--json")) {
      json_path = value;
    } else if (!strcmp(flag, "--max-bytes-per-session")) {
      max_bytes = strtod(value, NULL);
    } else {
      fprintf(stderr, "bench_sessions: unknown flag %s\n", flag);
      return 2;
    }
  }
  if (repetitions > 64) repetitions = 64;

  sopt_manifest* manifest = NULL;
  sopt_status status = sopt_manifest_synthetic(1, &manifest);
  if (status != SOPT_OK) die("sopt_manifest_synthetic", status);

  run_result runs[64];
  double created[64], after[64], rate[64], cpu_rate[64];
  printf("streamopt %s, spec %s, %zu sessions on one synthetic manifest, %zu rounds\n", sopt_version(), spec,
         sessions, rounds);
  printf("%-4s %16s %16s %14s %14s %10s\n", "rep", "bytes/session", "bytes/session", "decisions/s", "decisions/s",
         "seconds");
  printf("%-4s %16s %16s %14s %14s %10s\n", "", "(created)", "(after rounds)", "(wall)", "(CPU time)", "(wall)");
  for (size_t r = 0; r < repetitions; ++r) {
    runs[r] = run_once(spec, manifest, sessions, rounds);
    created[r] = runs[r].bytes_created;
    after[r] = runs[r].bytes_after_rounds;
    rate[r] = runs[r].decisions_per_s;
    cpu_rate[r] = runs[r].decisions_per_cpu_s;
    printf("%-4zu %16.0f %16.0f %14.0f %14.0f %10.3f\n", r + 1, created[r], after[r], rate[r], cpu_rate[r],
           runs[r].seconds);
  }
  const double median_created = median(created, repetitions);
  const double median_after = median(after, repetitions);
  const double median_rate = median(rate, repetitions);
  const double median_cpu_rate = median(cpu_rate, repetitions);
  printf("%-4s %16.0f %16.0f %14.0f %14.0f\n", "med", median_created, median_after, median_rate, median_cpu_rate);
  sopt_manifest_destroy(manifest);

  if (json_path) {
    FILE* out = fopen(json_path, "w");
    if (!out) {
      fprintf(stderr, "bench_sessions: cannot write %s\n", json_path);
      return 2;
    }
    fprintf(out,
            "{\n  \"version\": \"%s\",\n  \"spec\": \"%s\",\n  \"sessions\": %zu,\n  \"rounds\": %zu,\n"
            "  \"repetitions\": %zu,\n  \"median_bytes_per_session_created\": %.1f,\n"
            "  \"median_bytes_per_session_after_rounds\": %.1f,\n  \"median_decisions_per_s\": %.1f,\n"
            "  \"median_decisions_per_cpu_s\": %.1f,\n  \"runs\": [",
            sopt_version(), spec, sessions, rounds, repetitions, median_created, median_after, median_rate,
            median_cpu_rate);
    for (size_t r = 0; r < repetitions; ++r) {
      fprintf(out,
              "%s\n    {\"bytes_per_session_created\": %.1f, \"bytes_per_session_after_rounds\": %.1f, "
              "\"decisions_per_s\": %.1f, \"decisions_per_cpu_s\": %.1f, \"seconds\": %.6f}",
              r ? "," : "", runs[r].bytes_created, runs[r].bytes_after_rounds, runs[r].decisions_per_s,
              runs[r].decisions_per_cpu_s, runs[r].seconds);
    }
    fprintf(out, "\n  ]\n}\n");
    if (fclose(out) != 0) {
      fprintf(stderr, "bench_sessions: cannot write %s\n", json_path);
      return 2;
    }
  }
  if (max_bytes > 0 && median_after > max_bytes) {
    fprintf(stderr, "bench_sessions: %.0f bytes per session is more than the target %.0f\n", median_after,
            max_bytes);
    return 1;
  }
  return 0;
}
