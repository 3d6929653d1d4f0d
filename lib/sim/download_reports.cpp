// Sessions as download reports (download_reports.hpp).
#include "sim/download_reports.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt::sim {

namespace {

// Forwards every call to the controller and keeps the reports it was given.
class Recorder final : public AbrController {
 public:
  Recorder(AbrController& inner, std::vector<DownloadReport>& out) : inner_(inner), out_(out) {}
  void on_download(const DownloadReport& report) override {
    out_.push_back(report);
    inner_.on_download(report);
  }
  Decision decide(const PlayerState& state) override { return inner_.decide(state); }
  std::size_t should_abandon(const DownloadProgress& progress) override {
    return inner_.should_abandon(progress);
  }
  [[nodiscard]] bool may_abandon() const override { return inner_.may_abandon(); }
  double playback_rate(const PlayerState& state) override { return inner_.playback_rate(state); }
  void reset() override {
    out_.clear();
    inner_.reset();
  }
  [[nodiscard]] std::string name() const override { return inner_.name(); }

 private:
  AbrController& inner_;
  std::vector<DownloadReport>& out_;
};

}  // namespace

ReportSession play_reports(const NetworkTrace& trace, const Manifest& manifest, AbrController& abr,
                           const SimConfig& config, const QoeModel& qoe) {
  ReportSession session{trace.name, {}};
  Recorder recorder(abr, session.reports);
  (void)simulate(trace, manifest, recorder, config, qoe);
  return session;
}

ReportSession read_pensieve_log_reports(const std::filesystem::path& path) {
  const std::string text = detail::read_text_file(path);
  ReportSession session{path.filename().string(), {}};
  std::istringstream lines(text);
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream fields(line);
    double values[7];
    for (double& v : values) {
      if (!(fields >> v) || !std::isfinite(v)) {
        throw Error(fmt::format(
            "{}:{}: expected 7 numbers (time_s bitrate_kbps buffer_s rebuffer_s chunk_bytes "
            "delay_ms reward)",
            path.string(), line_number));
      }
    }
    const double time_s = values[0], bytes = values[4], delay_s = values[5] / 1000.0;
    if (bytes < 0 || delay_s < 0 || time_s < 0) {
      throw Error(fmt::format("{}:{}: chunk_bytes, delay_ms and time_s must be >= 0", path.string(),
                              line_number));
    }
    DownloadReport r;
    r.segment = session.reports.size();
    r.size_bytes = static_cast<std::uint64_t>(std::llround(bytes));
    r.download_time_s = delay_s;
    r.start_time_s = std::max(0.0, time_s - delay_s);
    session.reports.push_back(r);
  }
  if (session.reports.empty())
    throw Error(fmt::format("{}: the log holds no segment", path.string()));
  return session;
}

namespace {

// Running sums of a score.
struct ScoreSums {
  PredictorScore score;
  double abs_sum_bps = 0, rel_sum = 0, sq_sum = 0, nll_sum = 0;

  void add(double estimate_bps, double actual_bps) {
    const double error = estimate_bps - actual_bps;
    ++score.samples;
    abs_sum_bps += std::fabs(error);
    rel_sum += std::fabs(error) / actual_bps;
    sq_sum += error * error;
  }

  PredictorScore finish() {
    if (score.samples > 0) {
      const auto n = static_cast<double>(score.samples);
      score.mae_bps = abs_sum_bps / n;
      score.mape = rel_sum / n;
      score.rmse_bps = std::sqrt(sq_sum / n);
      score.nll = nll_sum / n;
    }
    return score;
  }
};

// The probability of the support point of `d` nearest `time_s` in log time.
double nearest_probability(const FetchTimeDistribution& d, double time_s) {
  double best_distance = std::numeric_limits<double>::infinity(), p = 0;
  for (std::size_t j = 0; j < d.time_s.size(); ++j) {
    const double distance = std::fabs(std::log(d.time_s[j] / time_s));
    if (distance < best_distance) {
      best_distance = distance;
      p = d.probability[j];
    } else if (distance == best_distance) {
      p += d.probability[j];  // tied (equal) support points
    }
  }
  return p;
}

}  // namespace

PredictorScore score_predictor(ThroughputPredictor& predictor,
                               const std::vector<ReportSession>& sessions) {
  ScoreSums sums;
  for (const auto& session : sessions) {
    predictor.reset();
    for (const auto& report : session.reports) {
      if (!report.usable_sample()) continue;
      const Prediction p = predictor.predict();
      if (p.valid) sums.add(p.estimate_bps, report.throughput_bps());
      predictor.observe(report);
    }
  }
  return sums.finish();
}

PredictorScore score_fetch_time(TransmissionTimePredictor& predictor, const std::vector<ReportSession>& sessions) {
  // A probability this small or zero counts as this (a finite penalty).
  constexpr double kFloorProbability = 1e-6;
  ScoreSums sums;
  for (const auto& session : sessions) {
    predictor.reset();
    for (const auto& report : session.reports) {
      if (!report.usable_sample()) continue;
      if (predictor.ready()) {
        const double bits = static_cast<double>(report.size_bytes) * 8.0;
        const FetchTimeDistribution d = predictor.predict(report.size_bytes);
        sums.add(bits / d.expected_s(), bits / report.download_time_s);
        sums.nll_sum -= std::log(std::max(kFloorProbability, nearest_probability(d, report.download_time_s)));
      }
      predictor.observe(report);
    }
  }
  return sums.finish();
}

}  // namespace streamopt::sim
