#pragma once
// Sessions as the download reports a player's predictor sees: played in the
// simulator with any controller, or read back from Pensieve-format logs.
// Shared by `streamopt predictors evaluate` and the predictor dataset
// builder (lib/learn/predictor_dataset.cpp). Private to the library.

#include <filesystem>
#include <string>
#include <vector>

#include "streamopt/predictor.hpp"
#include "streamopt/simulator.hpp"

namespace streamopt::sim {

// One session's downloads in order, and where they came from.
struct ReportSession {
  std::string source;                   // trace (or log) file name
  std::vector<DownloadReport> reports;  // one per segment, as on_download() got them
};

// Plays one session as `simulate()` does and returns every report the
// controller was given. Throws what `simulate()` throws.
ReportSession play_reports(const NetworkTrace& trace, const Manifest& manifest, AbrController& abr,
                           const SimConfig& config, const QoeModel& qoe);

// Reads a log in the Pensieve 7-column format (`write_pensieve_log`:
// time_s bitrate_kbps buffer_s rebuffer_s chunk_bytes delay_ms reward, one
// segment per line, whitespace-separated) as reports: size from chunk_bytes,
// download time from delay_ms, start time = time_s - delay (the log keeps no
// sleep, so idle gaps include any wait). Throws Error naming the file and
// line on a malformed line.
ReportSession read_pensieve_log_reports(const std::filesystem::path& path);

// How well a predictor forecast the downloads of some sessions.
struct PredictorScore {
  std::size_t samples = 0;  // downloads scored (usable ones with a valid prediction before them)
  double mae_bps = 0;       // mean absolute error of the estimate
  double mape = 0;          // mean absolute error relative to the actual throughput
  double rmse_bps = 0;      // root mean squared error
  double nll = 0;           // fetch-time predictors: mean -ln P(realised outcome) (see score_fetch_time)
};

// Scores `predictor` (reset before each session) on every usable download:
// its estimate before the download against the download's throughput, then
// the download is observed. All zero when nothing was scored.
PredictorScore score_predictor(ThroughputPredictor& predictor,
                               const std::vector<ReportSession>& sessions);

// Scores a fetch-time predictor the same way: its point estimate is the
// rate of its expected fetch time for the download's size, against the
// download's size x 8 / download time (request to last byte, what it
// predicts); `nll` is the mean of -ln of the probability of the support
// point nearest the realised time in log time (a discretised likelihood:
// -ln 21 = uniform over Fugu's 21 bins).
PredictorScore score_fetch_time(TransmissionTimePredictor& predictor, const std::vector<ReportSession>& sessions);

}  // namespace streamopt::sim
