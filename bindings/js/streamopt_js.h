/* The engine's entry points for JavaScript (bindings/js/README.md). Plain C;
 * handles are positive ints; JSON strings in and out; 0 / NULL on failure with
 * the message in sjs_last_error(). Returned strings are valid until the next call. */
#ifndef STREAMOPT_JS_H
#define STREAMOPT_JS_H

#ifdef __cplusplus
extern "C" {
#endif

/** The engine's version, "major.minor.patch". */
const char* sjs_version(void);
/** The last failing call's message ("" after a successful call). */
const char* sjs_last_error(void);
/** A controller by registry spec ("bola", "robust_mpc:horizon=5", ...) over a
 *  manifest given as JSON; qoe: the planning QoE model (NULL or "" = "lin").
 *  Returns a handle > 0, or 0. */
int sjs_create(const char* spec, const char* manifest_json, const char* qoe);
/** Feeds one finished download {"segment","rung","size_bytes","start_time_s",
 *  "download_time_s"[,"transfer_time_s"]}. Returns 1, or 0. */
int sjs_on_download(int handle, const char* report_json);
/** Decides for {"now_s","buffer_s","next_segment","segments_left"[,"last_rung"]
 *  [,"rebuffered"]}; returns the decision as JSON, or NULL. */
const char* sjs_decide(int handle, const char* state_json);
/** Number of rungs of the controller's manifest, or 0. */
int sjs_rung_count(int handle);
/** Frees a controller (an unknown handle is ignored). */
void sjs_destroy(int handle);

#ifdef __cplusplus
}
#endif

#endif /* STREAMOPT_JS_H */
