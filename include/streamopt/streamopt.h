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

/* ---- Versioned ("_ex") structs: live playback and abandonment ----
 * Each starts with struct_size, which the caller sets to sizeof(the struct) as it
 * compiled it (the _INIT macros do): the library reads and writes only the fields
 * that size covers, so callers built against this header keep working when later
 * versions append fields, and a struct_size the library does not know is refused.
 * The plain structs above stay as they are for existing callers. */

/** The player's state with the live fields (sopt_abr_decide_ex, sopt_sim_state_ex). */
typedef struct sopt_player_state_ex {
  size_t struct_size;        /**< sizeof(sopt_player_state_ex) */
  sopt_player_state base;    /**< the common state */
  int live;                  /**< nonzero for a live stream (the fields below then count) */
  double latency_s;          /**< live edge minus playhead, seconds */
  double target_latency_s;   /**< the latency the player aims for */
  double live_edge_s;        /**< media time produced so far */
  double playback_rate;      /**< current playback speed (1 = real time) */
} sopt_player_state_ex;
/** A sopt_player_state_ex initialiser: struct_size set, no rung yet, VoD, rate 1. */
#define SOPT_PLAYER_STATE_EX_INIT {sizeof(sopt_player_state_ex), {0, 0, 0, 0, SOPT_NO_RUNG, 0}, 0, 0, 0, 0, 1}

/** A decision with the live playback rate (sopt_abr_decide_ex, sopt_sim_play_ex). */
typedef struct sopt_decision_ex {
  size_t struct_size;        /**< sizeof(sopt_decision_ex) */
  sopt_decision base;        /**< rung, delay and reasons */
  double playback_rate;      /**< live: speed to play at; 0 = the player's own catch-up */
} sopt_decision_ex;
/** A sopt_decision_ex initialiser. */
#define SOPT_DECISION_EX_INIT {sizeof(sopt_decision_ex), {0, 0, 0, 0, {0}}, 0}

/** A download report with the live transfer time (sopt_abr_on_download_ex, sopt_sim_play_ex). */
typedef struct sopt_download_report_ex {
  size_t struct_size;            /**< sizeof(sopt_download_report_ex) */
  sopt_download_report base;     /**< the common report */
  double transfer_time_s;        /**< chunked transfer: seconds the link delivered bytes; 0 = not measured */
} sopt_download_report_ex;
/** A sopt_download_report_ex initialiser. */
#define SOPT_DOWNLOAD_REPORT_EX_INIT {sizeof(sopt_download_report_ex), {0, 0, 0, 0, 0}, 0}

/** A download in flight at a progress event (sopt_abr_should_abandon). */
typedef struct sopt_download_progress {
  size_t struct_size;        /**< sizeof(sopt_download_progress) */
  size_t segment;            /**< segment being fetched */
  size_t rung;               /**< rung being fetched */
  uint64_t size_bytes;       /**< the segment's full size */
  uint64_t received_bytes;   /**< bytes received so far */
  double start_time_s;       /**< clock at the request */
  double elapsed_s;          /**< seconds since the request */
  double buffer_s;           /**< media buffered ahead of the playhead now */
} sopt_download_progress;
/** A sopt_download_progress initialiser. */
#define SOPT_DOWNLOAD_PROGRESS_INIT {sizeof(sopt_download_progress), 0, 0, 0, 0, 0, 0, 0}

/** Live-mode settings (sopt_sim_create_live); defaults as SOPT_LIVE_CONFIG_INIT sets them. */
typedef struct sopt_live_config {
  size_t struct_size;          /**< sizeof(sopt_live_config) */
  double target_latency_s;     /**< latency the player joins at and steers to (3) */
  double chunk_s;              /**< CMAF chunk duration, 0 = whole segments (0.5) */
  double min_playback_rate;    /**< slowest catch-up speed (0.5) */
  double max_playback_rate;    /**< fastest catch-up speed (1.5) */
  double dvr_window_s;         /**< re-sync when the next segment left this window (30) */
  double max_drift_s;          /**< re-sync past target + this, 0 = never (0) */
  int catchup;                 /**< dash.js's default catch-up for controllers without a rate (1) */
  int chunk_aware_throughput;  /**< reports carry transfer_time_s (1) */
} sopt_live_config;
/** A sopt_live_config initialiser with the library's defaults. */
#define SOPT_LIVE_CONFIG_INIT {sizeof(sopt_live_config), 3.0, 0.5, 0.5, 1.5, 30.0, 0.0, 1, 1}

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

/** Builds a controller from a spec such as "bola:gamma_p=5" or "robust_mpc:horizon=8".
 *  The controller shares the manifest (no copy per session), plans with QoE_lin, and checks
 *  every report and state it is given (SOPT_ERR_INVALID naming the field). */
SOPT_API sopt_status sopt_abr_create(const char* spec, const sopt_manifest* manifest, sopt_abr** out);
/** As sopt_abr_create, planning with the session's QoE model `qoe` ("lin", "log:rebuffer=2.66", ...;
 *  NULL means "lin"). */
SOPT_API sopt_status sopt_abr_create_with_qoe(const char* spec, const sopt_manifest* manifest, const char* qoe,
                                              sopt_abr** out);
/** Feeds one finished download. */
SOPT_API sopt_status sopt_abr_on_download(sopt_abr* abr, const sopt_download_report* report);
/** Decides the rung for state->next_segment. */
SOPT_API sopt_status sopt_abr_decide(sopt_abr* abr, const sopt_player_state* state, sopt_decision* out);
/** sopt_abr_on_download with the versioned report (live transfer time). */
SOPT_API sopt_status sopt_abr_on_download_ex(sopt_abr* abr, const sopt_download_report_ex* report);
/** sopt_abr_decide with the versioned state and decision (live latency in, playback rate out). */
SOPT_API sopt_status sopt_abr_decide_ex(sopt_abr* abr, const sopt_player_state_ex* state, sopt_decision_ex* out);
/** At a download's progress event: *rung = the rung to abandon it for, or SOPT_NO_RUNG to let it finish. */
SOPT_API sopt_status sopt_abr_should_abandon(sopt_abr* abr, const sopt_download_progress* progress, size_t* rung);
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

/** Simulates one session of controller `abr_spec`. mode: "pensieve", "default" or "live"
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
/** A live session (mode "live") with the given settings (NULL = defaults). */
SOPT_API sopt_status sopt_sim_create_live(const sopt_trace* trace, const sopt_manifest* manifest, const char* qoe,
                                          const sopt_live_config* live, sopt_sim** out);
/** sopt_sim_state with the live fields. */
SOPT_API sopt_status sopt_sim_state_ex(const sopt_sim* sim, sopt_player_state_ex* state, size_t* forced_rung);
/** sopt_sim_play with the playback rate; `abandon_with` (may be NULL) is asked at each progress event
 *  (sopt_abr_should_abandon) whether to abandon the download; *report (may be NULL) carries the transfer time. */
SOPT_API sopt_status sopt_sim_play_ex(sopt_sim* sim, const sopt_decision_ex* decision, sopt_abr* abandon_with,
                                      sopt_download_report_ex* report);
/** Statistics of the segments played so far. */
SOPT_API sopt_status sopt_sim_stats(const sopt_sim* sim, sopt_session_stats* stats);
/** Frees a simulation (NULL is fine). */
SOPT_API void sopt_sim_destroy(sopt_sim* sim);

/* ---- Congestion control (live path) ---- */

/** A congestion controller (gcc, nada, bbr, ...). */
typedef struct sopt_cc sopt_cc;

/** One packet of transport feedback. */
typedef struct sopt_cc_packet {
  uint64_t sequence;   /**< transport-wide sequence number, strictly increasing within a feedback */
  uint64_t size_bytes; /**< bytes on the wire */
  double send_s;       /**< send time, sender clock */
  int lost;            /**< non-zero when the receiver reports it missing */
  double arrival_s;    /**< receiver clock; ignored when lost */
} sopt_cc_packet;

/** A controller's decision and state. NaN where a field does not apply. */
typedef struct sopt_cc_update {
  double target_rate_bps;         /**< encoder target */
  double pacing_rate_bps;         /**< pacer rate */
  double congestion_window_bytes; /**< max bytes in flight; 0 = none */
  double delay_estimate_bps;      /**< delay-based (or model) estimate */
  double loss_estimate_bps;       /**< loss-based estimate (GCC) */
  double signal;                  /**< congestion signal (GCC ms, NADA ms, BBR bps) */
  double threshold;               /**< GCC adaptive threshold, ms */
  double loss_fraction;           /**< loss fraction in use */
  double rtt_s;                   /**< RTT in use */
  const char* phase;              /**< state machine state; static string owned by the library */
} sopt_cc_update;

/** Summary metrics of one flow of a link-simulator run (RFC 8868). */
typedef struct sopt_cc_flow_metrics {
  double throughput_bps;       /**< received bits / active time */
  double media_rate_mean_bps;  /**< mean encoder rate (NaN for TCP) */
  double media_rate_cov;       /**< its coefficient of variation */
  double queue_delay_p50_s;    /**< queuing delay percentiles */
  double queue_delay_p95_s;    /**< (see p50) */
  double queue_delay_p99_s;    /**< (see p50) */
  double frame_delay_p95_s;    /**< capture to complete reception (NaN for TCP) */
  double loss_fraction;        /**< lost / sent */
  double ramp_up_s;            /**< time to 80 % of the fair share (NaN: never) */
  int is_tcp;                  /**< non-zero for a TCP flow */
} sopt_cc_flow_metrics;

/** Summary metrics of a link-simulator run. */
typedef struct sopt_cc_metrics {
  double utilisation;      /**< delivered bits / capacity-time */
  double jain_fairness;    /**< Jain's index over flow throughputs */
  double media_tcp_ratio;  /**< media / TCP throughput (NaN without TCP) */
  size_t flow_count;       /**< flows in the case */
} sopt_cc_metrics;

/** Builds a congestion controller from NAME[:key=value,...] and rate limits
 *  (0 < min <= start <= max, bits per second). */
SOPT_API sopt_status sopt_cc_create(const char* spec, double start_rate_bps, double min_rate_bps,
                                    double max_rate_bps, sopt_cc** out);
/** A packet left the sender. */
SOPT_API sopt_status sopt_cc_on_packet_sent(sopt_cc* cc, uint64_t sequence, uint64_t size_bytes, double send_s);
/** Transport feedback arrived at receive_s: count packets in sequence order (count 0 is fine). */
SOPT_API sopt_status sopt_cc_on_feedback(sopt_cc* cc, double receive_s, const sopt_cc_packet* packets, size_t count);
/** A round-trip time sample (> 0) at now_s. */
SOPT_API sopt_status sopt_cc_on_rtt(sopt_cc* cc, double rtt_s, double now_s);
/** Periodic processing at now_s. */
SOPT_API sopt_status sopt_cc_on_tick(sopt_cc* cc, double now_s);
/** The current decision and state. */
SOPT_API sopt_status sopt_cc_get_update(const sopt_cc* cc, sopt_cc_update* out);
/** Frees a controller (NULL is fine). */
SOPT_API void sopt_cc_destroy(sopt_cc* cc);

/** Runs a built-in case (e.g. "rfc8867-5.1") with every media flow under
 *  cc_spec, times scaled by time_scale in (0, 1]. Fills *metrics and up to
 *  capacity entries of flows; *flow_count (may be NULL) gets the number of flows. */
SOPT_API sopt_status sopt_cc_run_case(const char* case_name, const char* cc_spec, double time_scale,
                                      sopt_cc_metrics* metrics, sopt_cc_flow_metrics* flows, size_t capacity,
                                      size_t* flow_count);
/** One media flow under cc_spec over a capacity trace (50 ms one-way delay,
 *  300 ms queue) for duration_s (0: the trace's length); outputs as above. */
SOPT_API sopt_status sopt_cc_run_trace(const sopt_trace* trace, const char* cc_spec, double duration_s,
                                       sopt_cc_metrics* metrics, sopt_cc_flow_metrics* flows, size_t capacity,
                                       size_t* flow_count);

/* ---- Encoders (codec component; without it these return SOPT_ERR_INVALID) ---- */

/** A video encoder (libavcodec, native libvpx or native x265 backend). */
typedef struct sopt_encoder sopt_encoder;

/** Encoder settings; NULL strings take the defaults shown. */
typedef struct sopt_encoder_config {
  const char* codec;      /**< "h264" (default), "h265", "vp8", "vp9", "av1" */
  const char* backend;    /**< "libavcodec" (default), "libvpx", "x265" */
  int width;              /**< even, > 0 */
  int height;             /**< even, > 0 */
  int fps;                /**< frames per second (pts unit) */
  const char* rate_mode;  /**< "cbr" (default), "abr", "crf", "cqp" */
  double target_bps;      /**< abr / cbr target */
  double max_bps;         /**< VBV max (0: target) */
  double buffer_ms;       /**< VBV buffer (0: 1000) */
  int quality;            /**< CRF / QP for crf / cqp */
  const char* preset;     /**< encoder preset (NULL: the backend's default) */
  int keyint_frames;      /**< keyframe interval (0: 10 s) */
  int live;               /**< non-zero: live latency mode (no look-ahead, no B-frames) */
  int threads;            /**< encoder threads (0: 1) */
} sopt_encoder_config;

/** Opens an encoder. */
SOPT_API sopt_status sopt_encoder_create(const sopt_encoder_config* config, sopt_encoder** out);
/** Encodes one I420 frame (planes packed: y width x height, u and v width/2 x height/2).
 *  The packets it produced are concatenated in *data (owned by the encoder, valid until
 *  its next call), *size bytes in *packet_count packets; *keyframe is non-zero if one of
 *  them is a keyframe. Output pointers may be NULL. */
SOPT_API sopt_status sopt_encoder_encode(sopt_encoder* encoder, const uint8_t* y, const uint8_t* u, const uint8_t* v,
                                         int64_t pts, int force_keyframe, const uint8_t** data, size_t* size,
                                         size_t* packet_count, int* keyframe);
/** Drains the encoder; outputs as sopt_encoder_encode. */
SOPT_API sopt_status sopt_encoder_flush(sopt_encoder* encoder, const uint8_t** data, size_t* size,
                                        size_t* packet_count, int* keyframe);
/** New rates from the next frame on. *native (may be NULL) is 1 when the running encoder took
 *  them, 0 when it is re-opened at the next frame (a keyframe); *effective_pts (may be NULL)
 *  is the first frame they govern. */
SOPT_API sopt_status sopt_encoder_set_rates(sopt_encoder* encoder, double target_bps, double max_bps, double buffer_ms,
                                            int* native, int64_t* effective_pts);
/** Frees an encoder (NULL is fine). */
SOPT_API void sopt_encoder_destroy(sopt_encoder* encoder);

/** Encodes a ladder ("640x360@800,1280x720@2500") from input files read as one stream into
 *  out_dir (a manifest directory; see docs/codec.md); *segment_count (may be NULL) gets the
 *  number of segments per rung. */
SOPT_API sopt_status sopt_encode_ladder(const char* const* inputs, size_t input_count, const char* codec,
                                        const char* rungs, double segment_s, const char* out_dir,
                                        size_t* segment_count);

/* ---- Bandwidth allocators (sharing one edge link among sessions; docs/c-abi.md) ---- */

/** A bandwidth allocator (none, equal, proportional, maxmin, qoe_fair, utility). */
typedef struct sopt_allocator sopt_allocator;

/** One session as an allocator sees it: its ladder and what the player last reported.
 *
 *  Versioned: struct_size comes first and must be set to sizeof(sopt_edge_session) as the
 *  caller compiled it. The library steps through the array by sessions[0].struct_size, so
 *  a caller built against this header keeps working when later versions append fields
 *  (those then take their defaults); a struct_size the library does not know is refused.
 *  Start from SOPT_EDGE_SESSION_INIT, which sets struct_size and the defaults. */
typedef struct sopt_edge_session {
  size_t struct_size;          /**< sizeof(sopt_edge_session); the same in every element */
  const double* bitrates_bps;  /**< the session's ladder: rung_count ascending values > 0 */
  size_t rung_count;           /**< rungs in the ladder (>= 1) */
  const double* utilities;     /**< q(rung) per rung, non-decreasing, or NULL for QoE_lin (bitrate in Mbit/s) */
  size_t max_rung;             /**< highest rung the device shows (screen cap); SOPT_NO_RUNG (SIZE_MAX): none */
  double buffer_s;             /**< media buffered (>= 0) */
  size_t rung;                 /**< rung being played; SOPT_NO_RUNG before the first segment */
  double throughput_bps;       /**< last measured throughput (0: unknown) */
  double weight;               /**< relative priority (> 0; 1 by default) */
} sopt_edge_session;

/** A sopt_edge_session initialiser: struct_size set, no ladder, no caps, weight 1. */
#define SOPT_EDGE_SESSION_INIT {sizeof(sopt_edge_session), NULL, 0, NULL, SOPT_NO_RUNG, 0.0, SOPT_NO_RUNG, 0.0, 1.0}

/** What an allocator gives one session. */
typedef struct sopt_allocation {
  double cap_bps;  /**< highest bitrate the player should pick (CMSD mb); INFINITY: no cap */
  double rate_bps; /**< target delivery rate (the session's weight in the link's fair queue); 0: no preference */
} sopt_allocation;

/** Builds an allocator from a spec such as "maxmin:headroom=0.9" or "qoe_fair". An allocator
 *  may keep state between calls (hysteresis): use one per edge link. */
SOPT_API sopt_status sopt_allocator_create(const char* spec, sopt_allocator** out);
/** Shares capacity_bps (finite, >= 0) among `count` sessions, writing `count` allocations to
 *  out (sessions and out may be NULL when count is 0). Bad sessions are refused with
 *  SOPT_ERR_INVALID naming the session and field ("session 1: bitrates_bps[1] = ... is not
 *  above the rung below"); out is written only on success. */
SOPT_API sopt_status sopt_allocator_allocate(sopt_allocator* allocator, double capacity_bps,
                                             const sopt_edge_session* sessions, size_t count, sopt_allocation* out);
/** Frees an allocator (NULL is fine). */
SOPT_API void sopt_allocator_destroy(sopt_allocator* allocator);

#ifdef __cplusplus
}
#endif

#endif /* STREAMOPT_H */
