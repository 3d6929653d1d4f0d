#pragma once
// The recent downloads a learned model's features are computed from: the
// last `capacity` usable downloads of a session, oldest first. Shared by the
// rung policies (lib/model/rung_features) and the learned throughput
// predictors (lib/predict/learned_features), and their trainers.

#include <cstddef>
#include <deque>

#include "streamopt/types.hpp"

namespace streamopt::model {

class DownloadHistory {
 public:
  // Keeps at most `capacity` downloads.
  explicit DownloadHistory(std::size_t capacity) : capacity_(capacity) {}
  // Remembers a finished download; reports that are not usable samples are ignored.
  void observe(const DownloadReport& report) {
    if (!report.usable_sample()) return;
    reports_.push_back(report);
    if (reports_.size() > capacity_) reports_.pop_front();
  }
  // Forgets everything (new session).
  void clear() { reports_.clear(); }
  // The remembered downloads, oldest first.
  [[nodiscard]] const std::deque<DownloadReport>& reports() const { return reports_; }

 private:
  std::size_t capacity_;
  std::deque<DownloadReport> reports_;
};

}  // namespace streamopt::model
