#include "serve/origin_session.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "streamopt/error.hpp"
#include "streamopt/validate.hpp"

namespace streamopt::serve {

OriginSession::OriginSession(std::string title, std::shared_ptr<const Manifest> manifest,
                             std::unique_ptr<AbrController> controller, double now_s)
    : title_(std::move(title)), manifest_(std::move(manifest)), controller_(std::move(controller)), origin_s_(now_s) {
  last_used_s.store(now_s, std::memory_order_relaxed);
}

std::string OriginSession::controller_name() const {
  const std::lock_guard lock(mutex_);
  return controller_->name();
}

MediaAdvice OriginSession::on_request(const MediaRequest& request) {
  MediaAdvice advice;
  const std::lock_guard lock(mutex_);
  // 1. The previous request's download, when it was written in full (a
  // request that overlaps it leaves it unreported).
  if (in_flight_ && in_flight_->end_s) {
    const InFlight& prev = *in_flight_;
    double download_s = std::max(*prev.end_s - prev.start_s, kMinDownloadTimeS);
    if (request.mtp_bps && *request.mtp_bps > 0) {
      download_s = std::max(download_s, static_cast<double>(prev.size_bytes) * 8.0 / *request.mtp_bps);
    }
    DownloadReport report;
    report.segment = prev.segment;
    report.rung = prev.rung;
    report.size_bytes = prev.size_bytes;
    report.start_time_s = prev.start_s - origin_s_;
    report.download_time_s = download_s;
    try {
      controller_->on_download(report);
    } catch (const Error& e) {
      advice.error = e.what();
    }
  }
  in_flight_.reset();
  // 2. The rung for the next segment.
  const std::size_t next = request.segment + 1;
  if (next < manifest_->segment_count()) {
    PlayerState state;
    state.now_s = request.now_s - origin_s_;
    state.buffer_s = request.buffer_s.value_or(0.0);
    state.next_segment = next;
    state.segments_left = manifest_->segment_count() - next;
    state.last_rung = request.rung;
    state.rebuffered = request.starved;
    try {
      advice.decided = true;
      const Decision decision = controller_->decide(state);
      advice.next_rung = decision.rung;
      advice.estimate_bps = std::isfinite(decision.reasons.estimate_bps) ? decision.reasons.estimate_bps : 0.0;
    } catch (const Error& e) {
      if (advice.error.empty()) advice.error = e.what();
    }
  }
  // 3. This request is now the one in flight.
  advice.request_id = next_id_++;
  in_flight_ = InFlight{advice.request_id, request.segment, request.rung, request.size_bytes, request.now_s, {}};
  return advice;
}

void OriginSession::sent(std::uint64_t request_id, double now_s) {
  const std::lock_guard lock(mutex_);
  if (in_flight_ && in_flight_->id == request_id && !in_flight_->end_s) in_flight_->end_s = now_s;
}

}  // namespace streamopt::serve
