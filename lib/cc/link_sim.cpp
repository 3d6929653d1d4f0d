// The packet-level link simulator: one FIFO drop-tail bottleneck whose
// capacity follows a trace, media flows (frame source -> pacer -> controller,
// receiver with transport-wide feedback) and TCP-like bulk flows, driven by
// one time-ordered event queue (ties broken by insertion order, so runs are
// deterministic).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <queue>
#include <random>

#include "cc/cc_run.hpp"
#include "streamopt/error.hpp"
#include "streamopt/registry.hpp"

namespace streamopt {
namespace {

using cc::CapacityCurve;
using cc::RawRun;

constexpr std::uint32_t kMediaPacketBytes = 1200;
constexpr std::uint32_t kTcpPacketBytes = 1500;
constexpr double kTcpMinRtoS = 0.2;
constexpr double kTcpMaxRtoS = 60;
constexpr int kTcpDupThresh = 3;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kPadding = ~0ULL;  // PacketInfo::frame of padding sent for a probe

enum class Ev : std::uint8_t { frame, pacer, receive, feedback_send, feedback_arrive, tick, tcp_ack, tcp_rto, sample };

struct Event {
  double t_s;
  std::uint64_t order;
  Ev type;
  std::uint32_t flow;
  std::uint64_t arg;
  bool operator>(const Event& o) const { return t_s != o.t_s ? t_s > o.t_s : order > o.order; }
};

struct PacketInfo {
  double send_s = 0;
  double arrival_s = kNaN;
  double queue_delay_s = kNaN;
  std::uint32_t size_bytes = 0;
  std::uint64_t frame = 0;  // media: frame index (kPadding: probe padding)
  int probe = -1;           // media: probe cluster id
  bool acked = false;       // TCP: acknowledged
  bool lost = false;        // TCP: declared lost by the sender
};

struct Frame {
  double capture_s = 0;
  std::uint32_t packets = 0;
  std::uint32_t received = 0;
};

struct PendingPacket {
  std::uint64_t frame;
  std::uint32_t size_bytes;
};

struct Flow {
  FlowConfig config;
  std::string label;
  std::vector<PacketInfo> packets;
  // Media sender.
  std::unique_ptr<CongestionController> controller;
  std::unique_ptr<FrameSource> frames_from;  // real encoder sizes, when given
  CcUpdate update;
  std::vector<Frame> frames;
  std::deque<PendingPacket> pacer_queue;
  bool pacer_scheduled = false;
  bool pacer_blocked = false;  // waiting for the congestion window
  double pacer_next_s = 0;
  double pacer_bytes = 0;  // bytes waiting in the pacer
  // Probe cluster being sent (media).
  bool probing = false;
  ProbeCluster probe;
  std::int64_t probe_packets_left = 0;
  double probe_bytes_left = 0;
  int last_probe_started = -1;
  double sent_bytes = 0, reported_bytes = 0;
  std::mt19937_64 rng;
  // Media receiver.
  std::uint64_t highest_received = 0;
  bool any_received = false;
  std::uint64_t next_report = 0;
  std::deque<TransportFeedback> feedback_in_flight;
  std::deque<double> feedback_sent_s;
  // TCP sender.
  double cwnd = 2, ssthresh = 1e18;
  std::uint64_t inflight = 0;
  std::uint64_t lowest_outstanding = 0;
  std::uint64_t recovery_point = 0;
  bool in_recovery = false;
  double srtt_s = 0, rttvar_s = 0, rto_s = 1.0;
  std::uint64_t rto_generation = 0;
  // Sampling.
  double interval_bytes = 0;
  double interval_queue_sum_s = 0;
  std::uint64_t interval_queue_count = 0;
};

class LinkSim {
 public:
  LinkSim(const CcCase& c, const CcRunOptions& options, const Registry& registry)
      : case_(c), options_(options), capacity_(c.link.capacity), loss_rng_(c.link.seed) {
    flows_.reserve(c.flows.size());
    raw_.frame_delays_s.resize(c.flows.size());
    raw_.encoded_bits_per_s.assign(c.flows.size(), std::vector<double>(bins(), 0.0));
    raw_.active_bins.assign(c.flows.size(), std::vector<bool>(bins(), false));
    raw_.frames_captured.assign(c.flows.size(), 0);
    raw_.frames_skipped.assign(c.flows.size(), 0);
    for (std::size_t i = 0; i < c.flows.size(); ++i) {
      Flow f;
      f.config = c.flows[i];
      f.rng.seed(c.link.seed * 1000003ULL + i);
      if (f.config.kind == FlowKind::media) {
        CcConstraints limits = f.config.limits;
        f.controller = registry.make_cc(f.config.cc, limits);
        f.update = f.controller->update();
        f.label = f.controller->name();
        if (f.config.frame_source) {
          f.frames_from = f.config.frame_source(f.config, static_cast<std::uint32_t>(i));
          f.label += " [" + f.frames_from->name() + "]";
        }
      } else {
        f.label = "tcp";
      }
      flows_.push_back(std::move(f));
    }
  }

  CcRunResult run() {
    for (std::uint32_t i = 0; i < flows_.size(); ++i) {
      const FlowConfig& fc = flows_[i].config;
      if (fc.kind == FlowKind::media) {
        push(fc.start_s, Ev::frame, i, 0);
        push(fc.start_s + fc.feedback_interval_s, Ev::feedback_send, i, 0);
        push(fc.start_s + options_.tick_s, Ev::tick, i, 0);
      } else {
        push(fc.start_s, Ev::tcp_ack, i, kNoAck);
      }
    }
    push(options_.interval_s, Ev::sample, 0, 0);
    CcRunResult result;
    result.case_name = case_.name;
    while (!events_.empty()) {
      const Event e = events_.top();
      if (e.t_s > case_.duration_s) break;
      events_.pop();
      ++result.events;
      now_s_ = e.t_s;
      dispatch(e, result);
    }
    std::vector<std::string> labels;
    for (std::uint32_t i = 0; i < flows_.size(); ++i) {
      labels.push_back(flows_[i].label);
      for (std::uint64_t s = 0; s < flows_[i].packets.size(); ++s) {
        const PacketInfo& p = flows_[i].packets[s];
        raw_.packets.push_back({i, s, p.size_bytes, p.send_s, p.arrival_s, p.queue_delay_s});
      }
    }
    result.metrics = cc::compute_cc_metrics(case_, capacity_, raw_, intervals_, labels);
    result.intervals = std::move(intervals_);
    if (options_.keep_packets) result.packets = std::move(raw_.packets);
    return result;
  }

 private:
  static constexpr std::uint64_t kNoAck = ~0ULL;

  std::size_t bins() const { return static_cast<std::size_t>(std::ceil(case_.duration_s)) + 1; }

  void push(double t_s, Ev type, std::uint32_t flow, std::uint64_t arg) {
    events_.push({t_s, order_++, type, flow, arg});
  }

  void dispatch(const Event& e, CcRunResult&) {
    Flow& f = flows_[e.flow];
    switch (e.type) {
      case Ev::frame: on_frame(e.flow, f); break;
      case Ev::pacer: on_pacer(e.flow, f); break;
      case Ev::receive: on_receive(e.flow, f, e.arg); break;
      case Ev::feedback_send: on_feedback_send(e.flow, f); break;
      case Ev::feedback_arrive: on_feedback_arrive(e.flow, f); break;
      case Ev::tick:
        f.controller->on_tick(now_s_);
        refresh(e.flow, f);
        push(now_s_ + options_.tick_s, Ev::tick, e.flow, 0);
        break;
      case Ev::tcp_ack: on_tcp_ack(e.flow, f, e.arg); break;
      case Ev::tcp_rto: on_tcp_rto(e.flow, f, e.arg); break;
      case Ev::sample: on_sample(); break;
    }
  }

  bool sending(const FlowConfig& fc) const { return cc::flow_sending(fc, now_s_); }

  // The bottleneck: FIFO service at the trace's capacity, drop-tail.
  // Returns false when the packet is dropped.
  bool enqueue(std::uint32_t flow, std::uint64_t seq, Ev arrival_event) {
    Flow& f = flows_[flow];
    PacketInfo& p = f.packets[seq];
    p.send_s = now_s_;
    while (!backlog_.empty() && backlog_.front().first <= now_s_) {
      backlog_bytes_ -= backlog_.front().second;
      backlog_.pop_front();
    }
    if (case_.link.random_loss > 0 && std::uniform_real_distribution<double>(0, 1)(loss_rng_) < case_.link.random_loss) {
      return false;
    }
    const double start_s = std::max(now_s_, link_free_s_);
    if (case_.link.queue_limit_bytes > 0) {
      if (backlog_bytes_ + p.size_bytes > case_.link.queue_limit_bytes) return false;
    } else if (start_s - now_s_ > case_.link.queue_limit_s) {
      return false;
    }
    const double finish_s = capacity_.finish_s(start_s, p.size_bytes);
    link_free_s_ = finish_s;
    backlog_.emplace_back(finish_s, p.size_bytes);
    backlog_bytes_ += p.size_bytes;
    p.queue_delay_s = start_s - now_s_;
    push(finish_s + f.config.one_way_delay_s, arrival_event, flow, seq);
    return true;
  }

  // ---- media sender ----
  void on_frame(std::uint32_t id, Flow& f) {
    const FlowConfig& fc = f.config;
    const double frame_period_s = 1.0 / fc.fps;
    if (now_s_ >= fc.stop_s) return;
    push(now_s_ + frame_period_s, Ev::frame, id, 0);
    if (!sending(fc)) return;
    raw_.frames_captured[id] += 1;
    const std::size_t bin = std::min(static_cast<std::size_t>(now_s_), bins() - 1);
    raw_.active_bins[id][bin] = true;
    if (f.pacer_bytes * 8.0 > fc.max_pacer_queue_s * std::max(f.update.pacing_rate_bps, 1e3)) {
      raw_.frames_skipped[id] += 1;
      return;
    }
    const std::uint64_t index = f.frames.size();
    if (f.frames_from) {
      emit_frame(id, f, f.frames_from->next_frame_bytes(static_cast<std::int64_t>(index), f.update.target_rate_bps), bin);
      return;
    }
    const double mean_bytes = f.update.target_rate_bps / 8.0 / fc.fps;
    const double gop_frames = fc.keyframe_interval_s > 0 ? std::max(1.0, std::round(fc.keyframe_interval_s * fc.fps)) : 0;
    const bool key = index == 0 || (gop_frames > 0 && index % static_cast<std::uint64_t>(gop_frames) == 0);
    double bytes;
    if (key) {
      bytes = mean_bytes * fc.keyframe_ratio;
    } else {
      // Delta frames shrink so that a GOP averages the target.
      const double scale = gop_frames > fc.keyframe_ratio ? (gop_frames - fc.keyframe_ratio) / (gop_frames - 1) : 1.0;
      const double jitter = fc.frame_jitter * std::uniform_real_distribution<double>(-1, 1)(f.rng);
      bytes = mean_bytes * std::max(scale, 0.2) * (1 + jitter);
    }
    emit_frame(id, f, static_cast<std::uint64_t>(std::max(1.0, std::round(bytes))), bin);
  }

  // Packetises one frame of `total` bytes into the pacer queue.
  void emit_frame(std::uint32_t id, Flow& f, std::uint64_t total, std::size_t bin) {
    total = std::max<std::uint64_t>(total, 1);
    const std::uint64_t index = f.frames.size();
    raw_.encoded_bits_per_s[id][bin] += static_cast<double>(total) * 8.0;
    f.pacer_bytes += static_cast<double>(total);
    Frame frame{now_s_, 0, 0};
    while (total > 0) {
      const auto size = static_cast<std::uint32_t>(std::min<std::uint64_t>(total, kMediaPacketBytes));
      f.pacer_queue.push_back({index, size});
      total -= size;
      ++frame.packets;
    }
    f.frames.push_back(frame);
    kick_pacer(id, f);
  }

  // Takes the controller's update and starts the oldest probe cluster not started yet.
  void refresh(std::uint32_t id, Flow& f) {
    f.update = f.controller->update();
    if (!f.probing && sending(f.config)) {
      const ProbeCluster* next = nullptr;
      for (const ProbeCluster& p : f.update.probes) {
        if (p.id > f.last_probe_started && p.rate_bps > 0 && (!next || p.id < next->id)) next = &p;
      }
      if (next) {
        f.probing = true;
        f.probe = *next;
        f.probe_packets_left = next->min_probes;
        f.probe_bytes_left = static_cast<double>(next->min_bytes);
        f.last_probe_started = next->id;
      }
    }
    kick_pacer(id, f);
  }

  void kick_pacer(std::uint32_t id, Flow& f) {
    if (f.pacer_scheduled || f.pacer_blocked || (f.pacer_queue.empty() && !f.probing)) return;
    f.pacer_scheduled = true;
    push(std::max(now_s_, f.pacer_next_s), Ev::pacer, id, 0);
  }

  // Sends the next media packet, or probe padding while a probe cluster has
  // no media to carry, at the pacing (or probe) rate.
  void on_pacer(std::uint32_t id, Flow& f) {
    f.pacer_scheduled = false;
    if (f.pacer_queue.empty() && !f.probing) return;
    const PendingPacket next = f.pacer_queue.empty() ? PendingPacket{kPadding, kMediaPacketBytes} : f.pacer_queue.front();
    const double window = f.update.congestion_window_bytes;
    if (window > 0 && f.sent_bytes - f.reported_bytes + next.size_bytes > window) {
      f.pacer_blocked = true;  // resumed by the next feedback
      return;
    }
    if (next.frame != kPadding) {
      f.pacer_queue.pop_front();
      f.pacer_bytes -= next.size_bytes;
    }
    const std::uint64_t seq = f.packets.size();
    PacketInfo info;
    info.size_bytes = next.size_bytes;
    info.frame = next.frame;
    info.probe = f.probing ? f.probe.id : -1;
    f.packets.push_back(info);
    f.sent_bytes += next.size_bytes;
    f.controller->on_packet_sent({seq, next.size_bytes, now_s_, info.probe});
    enqueue(id, seq, Ev::receive);
    double rate_bps = std::max(f.update.pacing_rate_bps, 1e3);
    if (f.probing) {
      rate_bps = f.probe.rate_bps;
      f.probe_bytes_left -= next.size_bytes;
      if (--f.probe_packets_left <= 0 && f.probe_bytes_left <= 0) f.probing = false;
    }
    f.pacer_next_s = now_s_ + next.size_bytes * 8.0 / rate_bps;
    if (!f.probing) {
      refresh(id, f);  // the next probe cluster, if one is waiting
    } else {
      kick_pacer(id, f);
    }
  }

  // ---- media receiver ----
  void on_receive(std::uint32_t id, Flow& f, std::uint64_t seq) {
    PacketInfo& p = f.packets[seq];
    p.arrival_s = now_s_;
    note_interval(f, p);
    f.highest_received = f.any_received ? std::max(f.highest_received, seq) : seq;
    f.any_received = true;
    if (p.frame == kPadding) return;
    Frame& frame = f.frames[p.frame];
    if (++frame.received == frame.packets) raw_.frame_delays_s[id].push_back(now_s_ - frame.capture_s);
  }

  void note_interval(Flow& f, const PacketInfo& p) {
    f.interval_bytes += p.size_bytes;
    f.interval_queue_sum_s += p.queue_delay_s;
    ++f.interval_queue_count;
  }

  void on_feedback_send(std::uint32_t id, Flow& f) {
    push(now_s_ + f.config.feedback_interval_s, Ev::feedback_send, id, 0);
    if (!f.any_received || f.highest_received < f.next_report) return;
    TransportFeedback fb;
    for (std::uint64_t s = f.next_report; s <= f.highest_received; ++s) {
      const PacketInfo& p = f.packets[s];
      PacketResult r;
      r.packet = {s, p.size_bytes, p.send_s, p.probe};
      r.lost = std::isnan(p.arrival_s);
      r.arrival_s = r.lost ? 0.0 : p.arrival_s;
      fb.packets.push_back(r);
    }
    f.next_report = f.highest_received + 1;
    f.feedback_in_flight.push_back(std::move(fb));
    f.feedback_sent_s.push_back(now_s_);
    push(now_s_ + f.config.one_way_delay_s, Ev::feedback_arrive, id, 0);
  }

  void on_feedback_arrive(std::uint32_t id, Flow& f) {
    TransportFeedback fb = std::move(f.feedback_in_flight.front());
    const double sent_s = f.feedback_sent_s.front();
    f.feedback_in_flight.pop_front();
    f.feedback_sent_s.pop_front();
    fb.receive_s = now_s_;
    for (const PacketResult& r : fb.packets) f.reported_bytes += static_cast<double>(r.packet.size_bytes);
    f.controller->on_feedback(fb);
    // RTT from the newest received packet, minus the receiver's hold time.
    for (auto it = fb.packets.rbegin(); it != fb.packets.rend(); ++it) {
      if (it->lost) continue;
      f.controller->on_rtt(now_s_ - it->packet.send_s - (sent_s - it->arrival_s), now_s_);
      break;
    }
    f.pacer_blocked = false;
    refresh(id, f);
  }

  // ---- TCP ----
  void tcp_send(std::uint32_t id, Flow& f) {
    while (sending(f.config) && static_cast<double>(f.inflight) < std::floor(f.cwnd)) {
      const std::uint64_t seq = f.packets.size();
      PacketInfo info;
      info.size_bytes = kTcpPacketBytes;
      f.packets.push_back(info);
      ++f.inflight;
      enqueue(id, seq, Ev::tcp_ack);
    }
    arm_rto(id, f);
  }

  void arm_rto(std::uint32_t id, Flow& f) {
    ++f.rto_generation;
    if (f.inflight > 0) push(now_s_ + f.rto_s, Ev::tcp_rto, id, f.rto_generation);
  }

  // `seq` arrived at the receiver (first call: the ack event doubles as the
  // data arrival, then the ack travels back); kNoAck starts the flow.
  void on_tcp_ack(std::uint32_t id, Flow& f, std::uint64_t seq) {
    if (seq == kNoAck) {
      tcp_send(id, f);
      return;
    }
    PacketInfo& p = f.packets[seq];
    if (std::isnan(p.arrival_s)) {
      p.arrival_s = now_s_;
      note_interval(f, p);
      push(now_s_ + f.config.one_way_delay_s, Ev::tcp_ack, id, seq);
      return;
    }
    if (p.acked) return;
    p.acked = true;
    if (!p.lost) --f.inflight;
    const double rtt = now_s_ - p.send_s;
    if (f.srtt_s == 0) {
      f.srtt_s = rtt;
      f.rttvar_s = rtt / 2;
    } else {
      f.rttvar_s = 0.75 * f.rttvar_s + 0.25 * std::fabs(f.srtt_s - rtt);
      f.srtt_s = 0.875 * f.srtt_s + 0.125 * rtt;
    }
    f.rto_s = std::clamp(f.srtt_s + 4 * f.rttvar_s, kTcpMinRtoS, kTcpMaxRtoS);
    if (f.in_recovery && seq >= f.recovery_point) f.in_recovery = false;
    // SACK-style loss detection: dupthresh later packets acknowledged.
    bool loss = false;
    while (f.lowest_outstanding < f.packets.size() && f.lowest_outstanding + kTcpDupThresh <= seq) {
      PacketInfo& q = f.packets[f.lowest_outstanding];
      if (!q.acked && !q.lost) {
        q.lost = true;
        --f.inflight;
        loss = true;
      }
      ++f.lowest_outstanding;
    }
    if (loss && !f.in_recovery) {
      f.cwnd = std::max(f.cwnd / 2, 2.0);
      f.ssthresh = f.cwnd;
      f.in_recovery = true;
      f.recovery_point = f.packets.size();
    } else if (!loss) {
      f.cwnd += f.cwnd < f.ssthresh ? 1.0 : 1.0 / f.cwnd;
    }
    tcp_send(id, f);
  }

  void on_tcp_rto(std::uint32_t id, Flow& f, std::uint64_t generation) {
    if (generation != f.rto_generation || f.inflight == 0) return;
    for (std::uint64_t s = f.lowest_outstanding; s < f.packets.size(); ++s) {
      PacketInfo& q = f.packets[s];
      if (!q.acked && !q.lost) q.lost = true;
    }
    f.lowest_outstanding = f.packets.size();
    f.inflight = 0;
    f.ssthresh = std::max(f.cwnd / 2, 2.0);
    f.cwnd = 1;
    f.in_recovery = false;
    f.rto_s = std::min(f.rto_s * 2, kTcpMaxRtoS);
    tcp_send(id, f);
  }

  // ---- sampling ----
  void on_sample() {
    const double capacity_bps = capacity_.rate_bps(now_s_);
    for (std::uint32_t i = 0; i < flows_.size(); ++i) {
      Flow& f = flows_[i];
      CcIntervalRecord r;
      r.time_s = now_s_;
      r.flow = i;
      r.capacity_bps = capacity_bps;
      if (f.controller) {
        r.target_bps = f.update.target_rate_bps;
        r.pacing_bps = f.update.pacing_rate_bps;
        r.state = f.update.state;
      } else {
        r.target_bps = f.srtt_s > 0 ? f.cwnd * kTcpPacketBytes * 8.0 / f.srtt_s : 0.0;
        r.pacing_bps = kNaN;
        r.state = {kNaN, kNaN, f.cwnd, kNaN, kNaN, f.srtt_s, f.cwnd < f.ssthresh ? "slow_start" : "congestion_avoidance"};
      }
      r.received_bps = f.interval_bytes * 8.0 / options_.interval_s;
      r.queue_delay_s = f.interval_queue_count ? f.interval_queue_sum_s / static_cast<double>(f.interval_queue_count) : kNaN;
      f.interval_bytes = f.interval_queue_sum_s = 0;
      f.interval_queue_count = 0;
      intervals_.push_back(r);
    }
    push(now_s_ + options_.interval_s, Ev::sample, 0, 0);
  }

  const CcCase& case_;
  CcRunOptions options_;
  CapacityCurve capacity_;
  std::mt19937_64 loss_rng_;
  std::vector<Flow> flows_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t order_ = 0;
  double now_s_ = 0;
  double link_free_s_ = 0;
  std::deque<std::pair<double, std::uint32_t>> backlog_;
  std::uint64_t backlog_bytes_ = 0;
  RawRun raw_;
  std::vector<CcIntervalRecord> intervals_;
};

void check_case(const CcCase& c, const CcRunOptions& options) {
  const std::string where = c.name.empty() ? std::string("cc case") : "cc case '" + c.name + "'";
  if (!(c.duration_s > 0) || !std::isfinite(c.duration_s) || c.duration_s > 1e6) {
    throw Error(fmt::format("{}: duration must be in (0, 1e6] s, got {}", where, c.duration_s));
  }
  if (c.flows.empty()) throw Error(where + ": no flows");
  if (!(c.link.random_loss >= 0 && c.link.random_loss < 1)) throw Error(where + ": random_loss must be in [0, 1)");
  if (c.link.queue_limit_bytes == 0 && !(c.link.queue_limit_s > 0)) {
    throw Error(where + ": the queue limit must be > 0 (queue_limit_s or queue_limit_bytes)");
  }
  if (!(options.interval_s >= 1e-3) || !(options.tick_s >= 1e-3)) {
    throw Error(where + ": interval_s and tick_s must be >= 1 ms");
  }
  for (std::size_t i = 0; i < c.flows.size(); ++i) {
    const FlowConfig& f = c.flows[i];
    const std::string fw = fmt::format("{}: flow {}", where, i);
    if (!(f.one_way_delay_s >= 0 && f.one_way_delay_s <= 10)) throw Error(fw + ": one_way_delay_s must be in [0, 10]");
    if (!(f.start_s >= 0) || !(f.stop_s > f.start_s)) throw Error(fw + ": need 0 <= start_s < stop_s");
    if (f.kind != FlowKind::media) continue;
    if (!(f.fps > 0 && f.fps <= 1000)) throw Error(fw + ": fps must be in (0, 1000]");
    if (!(f.max_pacer_queue_s > 0)) throw Error(fw + ": max_pacer_queue_s must be > 0");
    if (!(f.feedback_interval_s >= 1e-3 && f.feedback_interval_s <= 10)) {
      throw Error(fw + ": feedback_interval_s must be in [0.001, 10]");
    }
    if (!(f.keyframe_ratio >= 1) || !(f.keyframe_interval_s >= 0) || !(f.frame_jitter >= 0 && f.frame_jitter < 1)) {
      throw Error(fw + ": need keyframe_ratio >= 1, keyframe_interval_s >= 0, 0 <= frame_jitter < 1");
    }
  }
}

}  // namespace

CcRunResult run_cc_case(const CcCase& c, const CcRunOptions& options, const Registry& registry) {
  check_case(c, options);
  LinkSim sim(c, options, registry);
  return sim.run();
}

CcRunResult run_cc_case(const CcCase& c, const CcRunOptions& options) {
  return run_cc_case(c, options, Registry::builtin());
}

}  // namespace streamopt
