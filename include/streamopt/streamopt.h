/* streamopt C ABI: the decision engine for players and tools not written in C++.
 *
 * Plain C99. Every symbol is prefixed sopt_. Objects are opaque handles made by
 * a *_create/_load/_parse/_from_* call and freed by the matching *_destroy
 * (which accepts NULL). Every other call returns a sopt_status; on failure,
 * sopt_last_error() returns a message for the calling thread. No exception
 * crosses this boundary. Units are SI: seconds, bytes, bits per second.
 *
 * Ownership: handles belong to the caller. A controller (sopt_abr) and a
 * simulation (sopt_sim) copy what they need from the manifest and trace given
 * at creation, so those may be destroyed afterwards. Strings returned by the
 * library (sopt_version, sopt_last_error, sopt_status_name) are owned by it.
 * Handles may be used from any thread, but not from two threads at once.
 */
#ifndef STREAMOPT_H
#define STREAMOPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SOPT_VERSION_MAJOR 0
#define SOPT_VERSION_MINOR 1
#define SOPT_VERSION_PATCH 0
#define SOPT_VERSION_STRING "0.1.0"

/** Marks the exported functions (everything else in libstreamopt is hidden). */
#if defined(__GNUC__) || defined(__clang__)
#define SOPT_API __attribute__((visibility("default")))
#else
#define SOPT_API
#endif

/** "No rung yet": sopt_player_state.last_rung before the first segment. */
#define SOPT_NO_RUNG ((size_t)-1)

/** Result of every call. */
typedef enum sopt_status {
  SOPT_OK = 0,               /**< success */
  SOPT_ERR_NULL_ARGUMENT = 1,/**< a required pointer was NULL */
  SOPT_ERR_INVALID = 2,      /**< bad input: spec, value, file content, state; see sopt_last_error() */
  SOPT_ERR_NO_MEMORY = 3,    /**< allocation failed */
  SOPT_ERR_INTERNAL = 4      /**< unexpected internal error */
} sopt_status;

/** Opaque handles. */
typedef struct sopt_manifest sopt_manifest;
typedef struct sopt_trace sopt_trace;
typedef struct sopt_abr sopt_abr;
typedef struct sopt_predictor sopt_predictor;
typedef struct sopt_sim sopt_sim;

/** What a player reports after a segment finished downloading. */
typedef struct sopt_download_report {
  size_t segment;          /**< index of the segment */
  size_t rung;             /**< rung it was fetched at (< rung count) */
  uint64_t size_bytes;     /**< bytes received (> 0) */
  double start_time_s;     /**< player clock at the request */
  double download_time_s;  /**< request to last byte, RTT included (> 0) */
} sopt_download_report;

/** The player's state when it asks for a decision. */
typedef struct sopt_player_state {
  double now_s;            /**< player clock */
  double buffer_s;         /**< media buffered ahead of the playhead (>= 0) */
  size_t next_segment;     /**< index of the segment to fetch */
  size_t segments_left;    /**< segments still to fetch, this one included */
  size_t last_rung;        /**< previous rung, or SOPT_NO_RUNG */
  int rebuffered;          /**< nonzero if the previous download stalled playback */
} sopt_player_state;

/** A controller's decision and the main reasons for it. */
typedef struct sopt_decision {
  size_t rung;             /**< rung to fetch */
  double delay_s;          /**< wait before the request (>= 0) */
  double estimate_bps;     /**< throughput estimate used (0 if none) */
  double conservative_bps; /**< conservative estimate used (0 if none) */
  char rule[32];           /**< deciding rule, NUL-terminated (e.g. "bola", "robust_mpc") */
} sopt_decision;

/** A throughput prediction. */
typedef struct sopt_prediction {
  double estimate_bps;     /**< point estimate */
  double conservative_bps; /**< lower estimate */
  int valid;               /**< zero before the first sample */
} sopt_prediction;

/** Statistics of a simulated session (see docs/algorithms.md, QoE models). */
typedef struct sopt_session_stats {
  size_t segments;
  double qoe_sum;            /**< sum of per-segment QoE */
  double qoe_sum_pensieve;   /**< sum over segments 2..N */
  double qoe_per_segment;    /**< qoe_sum_pensieve / (N - 1) */
  double mean_bitrate_bps;
  double rebuffer_s;         /**< stall time, start-up excluded */
  double rebuffer_ratio;
  double startup_delay_s;
  size_t switches;
} sopt_session_stats;

/** One simulated segment. */
typedef struct sopt_segment_record {
  size_t segment;
  double time_s;             /**< clock after the download and any wait */
  size_t rung;
  double bitrate_bps;
  double buffer_s;           /**< buffer after the download */
  double rebuffer_s;
  uint64_t size_bytes;
  double download_time_s;
  double sleep_s;            /**< wait after the download (buffer full) */
  double qoe;                /**< this segment's QoE */
} sopt_segment_record;

/* ---- library ---- */

/** The library version, "major.minor.patch". */
SOPT_API const char* sopt_version(void);
/** The calling thread's last error message ("" if none). Valid until the next failing call on this thread. */
SOPT_API const char* sopt_last_error(void);
/** A constant name for a status, e.g. "SOPT_ERR_INVALID". */
SOPT_API const char* sopt_status_name(sopt_status status);

/* ---- manifests ---- */

/** Loads a manifest directory (ladder.json + sizes/, see docs/formats.md). */
SOPT_API sopt_status sopt_manifest_load(const char* dir, sopt_manifest** out);
/** Builds a manifest from arrays. bitrates_bps: rung_count ascending values.
 *  sizes_bytes: segment_count x rung_count sizes, segment-major, or NULL for
 *  bitrate x duration / 8. */
SOPT_API sopt_status sopt_manifest_from_arrays(const double* bitrates_bps, size_t rung_count,
                                      double segment_duration_s, size_t segment_count,
                                      const uint64_t* sizes_bytes, sopt_manifest** out);
/** The built-in synthetic ladder (300..4300 kbps, 49 x 4 s segments), seeded. */
SOPT_API sopt_status sopt_manifest_synthetic(uint64_t seed, sopt_manifest** out);
/** Number of rungs, segments and the segment duration (any out pointer may be NULL). */
SOPT_API sopt_status sopt_manifest_info(const sopt_manifest* manifest, size_t* rung_count,
                               size_t* segment_count, double* segment_duration_s);
/** Nominal bitrate of a rung. */
SOPT_API sopt_status sopt_manifest_bitrate(const sopt_manifest* manifest, size_t rung, double* bitrate_bps);
/** Size of a segment at a rung. */
SOPT_API sopt_status sopt_manifest_segment_size(const sopt_manifest* manifest, size_t segment, size_t rung,
                                       uint64_t* size_bytes);
/** Frees a manifest (NULL is fine). */
SOPT_API void sopt_manifest_destroy(sopt_manifest* manifest);

/* ---- traces ---- */

/** Reads a trace file. format: "auto" (or NULL), "cooked", "mahimahi", "sabre". */
SOPT_API sopt_status sopt_trace_load(const char* path, const char* format, sopt_trace** out);
/** Parses trace text of `length` bytes (need not be NUL-terminated). */
SOPT_API sopt_status sopt_trace_parse(const char* text, size_t length, const char* format, sopt_trace** out);
/** Builds a trace from `count` samples (times non-decreasing, throughputs >= 0). */
SOPT_API sopt_status sopt_trace_from_arrays(const double* time_s, const double* throughput_bps, size_t count,
                                   sopt_trace** out);
/** Number of samples and duration (either out pointer may be NULL). */
SOPT_API sopt_status sopt_trace_info(const sopt_trace* trace, size_t* sample_count, double* duration_s);
/** Sample i. */
SOPT_API sopt_status sopt_trace_sample(const sopt_trace* trace, size_t index, double* time_s,
                              double* throughput_bps);
/** Frees a trace (NULL is fine). */
SOPT_API void sopt_trace_destroy(sopt_trace* trace);

/* ---- ABR controllers ---- */

/** Builds a controller from a spec such as "bola:gamma_p=5" or "robust_mpc:horizon=8". */
SOPT_API sopt_status sopt_abr_create(const char* spec, const sopt_manifest* manifest, sopt_abr** out);
/** Feeds one finished download. */
SOPT_API sopt_status sopt_abr_on_download(sopt_abr* abr, const sopt_download_report* report);
/** Decides the rung for state->next_segment. */
SOPT_API sopt_status sopt_abr_decide(sopt_abr* abr, const sopt_player_state* state, sopt_decision* out);
/** Forgets per-session state. */
SOPT_API sopt_status sopt_abr_reset(sopt_abr* abr);
/** Frees a controller (NULL is fine). */
SOPT_API void sopt_abr_destroy(sopt_abr* abr);

/* ---- throughput predictors ---- */

/** Builds a predictor from a spec such as "ewma" or "harmonic:window=5". */
SOPT_API sopt_status sopt_predictor_create(const char* spec, sopt_predictor** out);
/** Feeds one finished download. */
SOPT_API sopt_status sopt_predictor_observe(sopt_predictor* predictor, const sopt_download_report* report);
/** The prediction for the next download. */
SOPT_API sopt_status sopt_predictor_predict(const sopt_predictor* predictor, sopt_prediction* out);
/** Forgets all samples. */
SOPT_API sopt_status sopt_predictor_reset(sopt_predictor* predictor);
/** Frees a predictor (NULL is fine). */
SOPT_API void sopt_predictor_destroy(sopt_predictor* predictor);

/* ---- simulation ---- */

/** Simulates one session of controller `abr_spec`. mode: "pensieve" or "default"
 *  (NULL); qoe: QoE spec (NULL = "lin"). Fills *stats. If `records` is not
 *  NULL, up to `capacity` segment records are written and *record_count (if
 *  not NULL) receives the session's segment count. */
SOPT_API sopt_status sopt_simulate(const sopt_trace* trace, const sopt_manifest* manifest, const char* abr_spec,
                          const char* mode, const char* qoe, sopt_session_stats* stats,
                          sopt_segment_record* records, size_t capacity, size_t* record_count);

/** A simulated session stepped by the caller, who holds the controller: the
 *  loop of sopt_simulate, one segment per sopt_sim_play. */
SOPT_API sopt_status sopt_sim_create(const sopt_trace* trace, const sopt_manifest* manifest, const char* mode,
                            const char* qoe, sopt_sim** out);
/** *done = nonzero once every segment has been played. */
SOPT_API sopt_status sopt_sim_done(const sopt_sim* sim, int* done);
/** The state for the next decision, and the rung the mode forces for it
 *  (*forced_rung = SOPT_NO_RUNG when the controller decides). */
SOPT_API sopt_status sopt_sim_state(const sopt_sim* sim, sopt_player_state* state, size_t* forced_rung);
/** Plays the next segment as decided; *report (may be NULL) is what to pass to sopt_abr_on_download. */
SOPT_API sopt_status sopt_sim_play(sopt_sim* sim, const sopt_decision* decision, sopt_download_report* report);
/** Statistics of the segments played so far. */
SOPT_API sopt_status sopt_sim_stats(const sopt_sim* sim, sopt_session_stats* stats);
/** Frees a simulation (NULL is fine). */
SOPT_API void sopt_sim_destroy(sopt_sim* sim);

#ifdef __cplusplus
}
#endif

#endif /* STREAMOPT_H */
