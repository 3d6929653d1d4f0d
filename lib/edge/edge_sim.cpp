// The multi-player edge simulator: an event loop over the players and a
// shared bottleneck (edge/edge_link.hpp: fluid or packet level). The loop
// lets the link run to the next outside event (a slot's next arrival, a
// player's wait running out, a reallocation, a time-series point) or to the
// first download it completes; buffers drain at playback speed meanwhile
// and stalls accrue to the segment being fetched.
#include "streamopt/edge_sim.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include <map>

#include "edge/edge_link.hpp"
#include "sim/looped_capacity.hpp"
#include "streamopt/allocator.hpp"
#include "streamopt/error.hpp"
#include "streamopt/stats.hpp"

namespace streamopt {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kStartupSegments = 5;  // segments the start-up QoE averages

void check_range(double value, double lo, double hi, const char* field) {
  if (!(value >= lo && value <= hi)) throw Error(fmt::format("edge config: {} = {} is not in [{}, {}]", field, value, lo, hi));
}

// A title with what every session of it shares.
struct Title {
  std::shared_ptr<const Manifest> manifest;
  std::unique_ptr<QoeModel> qoe;
  std::vector<double> bitrates_bps;
  std::vector<double> utilities;  // mean over segments of q(rung)
  std::size_t phone_rung = 0;     // highest rung a phone shows
};

// What a slot's next session will be. Each slot draws its sessions from its
// own seeded generator, in order, so the k-th session of a slot is the same
// under every allocator whenever it arrives.
struct Plan {
  double gap_s = 0;       // idle time before it arrives (the first: its arrival time)
  double watch_s = 0;     // media to watch
  bool phone = false;
  double rtt_s = 0;
};

struct Slot {
  std::mt19937_64 rng;
  std::size_t drawn = 0;  // sessions drawn so far
  Plan next;              // the session to arrive next
};

enum class Phase { waiting, downloading };  // a finished player leaves players_

struct Player {
  std::size_t id = 0, slot = 0;
  const Title* title = nullptr;
  std::unique_ptr<AbrController> abr;
  const std::string* abr_spec = nullptr;
  std::size_t segments = 0, max_rung = 0;
  bool phone = false;
  double rtt_s = 0, arrival_s = 0;
  std::size_t first_rung = kNoRung;  // from the cross-session prior, or kNoRung
  Phase phase = Phase::waiting;
  double timer_s = 0;  // end of the wait
  double buffer_s = 0;
  bool playing = false;
  double startup_s = 0;
  std::size_t next_segment = 0, last_rung = kNoRung;
  bool rebuffered = false;
  // The segment in flight.
  std::size_t rung = 0;
  std::uint64_t size_bytes = 0;
  double request_s = 0, stall_s = 0;
  double last_throughput_bps = 0;
  double startup_qoe_sum = 0;
  std::unique_ptr<SessionStatsBuilder> stats;
  // From the allocator.
  double cap_bps = kInf;
};

class EdgeRun {
 public:
  EdgeRun(const NetworkTrace& trace, std::span<const std::shared_ptr<const Manifest>> titles,
          const std::string& allocator_spec, const EdgeSimConfig& config, TelemetrySink* telemetry,
          const Registry& registry)
      : config_(config),
        registry_(registry),
        telemetry_(telemetry),
        capacity_(trace, config.payload_fraction *
                             (config.capacity_scale > 0 ? config.capacity_scale : static_cast<double>(config.sessions))),
        allocator_(registry.make_allocator(allocator_spec)),
        window_(config.prior_window_s) {
    if (!capacity_.has_capacity()) throw Error(fmt::format("trace {}: no capacity in any pass", trace.name));
    link_ = config.sharing == EdgeSharing::packet ? edge::make_packet_link(capacity_, config.queue_limit_s)
                                                  : edge::make_fluid_link(capacity_);
    result_.allocator = allocator_spec;
    result_.trace = trace.name;
    group_ = trace.name;
    for (const auto& m : titles) add_title(m);
    for (const auto& spec : parse_spec_list(config.abr)) abr_specs_.push_back(spec.to_string());
    plan_sessions();
  }

  EdgeRunResult run() {
    double t = 0;
    next_realloc_s_ = 0;
    next_sample_s_ = 0;
    std::vector<std::size_t> finished;
    for (;;) {
      const double next = next_event_s();
      if (next == kInf && link_->downloads() == 0) break;
      finished.clear();
      const double reached = link_->run_until(std::max(next, t), finished);
      drain(t, reached);
      t = reached;
      for (std::size_t id : finished) finish_download(players_.at(id), t);
      fire(t);
    }
    result_.summary = summarize_edge(result_.sessions, link_->delivered_bits(), offered_bits_);
    return std::move(result_);
  }

 private:
  void add_title(const std::shared_ptr<const Manifest>& m) {
    if (!m) throw Error("edge: a title is null");
    Title title;
    title.manifest = m;
    title.qoe = std::make_unique<QoeModel>(config_.qoe, *m);
    const auto& rungs = m->rungs();
    const bool heights = std::all_of(rungs.begin(), rungs.end(), [](const Rung& r) { return r.height > 0; });
    for (std::size_t r = 0; r < rungs.size(); ++r) {
      title.bitrates_bps.push_back(rungs[r].bitrate_bps);
      double u = 0;
      for (std::size_t s = 0; s < m->segment_count(); ++s) u += title.qoe->utility(r, s);
      title.utilities.push_back(u / static_cast<double>(m->segment_count()));
      const bool fits = heights ? rungs[r].height <= config_.phone_max_height
                                : rungs[r].bitrate_bps <= config_.phone_max_bitrate_bps;
      if (fits) title.phone_rung = r;
    }
    // Utilities must not fall with the rung for the allocators; a quality
    // table that dips is smoothed to its running maximum.
    for (std::size_t r = 1; r < title.utilities.size(); ++r) {
      title.utilities[r] = std::max(title.utilities[r], title.utilities[r - 1]);
    }
    titles_.push_back(std::move(title));
  }

  Plan draw(Slot& slot) const {
    std::exponential_distribution<double> watch(1.0 / config_.mean_watch_s);
    std::exponential_distribution<double> gap(config_.mean_gap_s > 0 ? 1.0 / config_.mean_gap_s : 1.0);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Plan p;
    p.gap_s = slot.drawn == 0 ? unit(slot.rng) * config_.first_arrival_spread_s
                              : (config_.mean_gap_s > 0 ? gap(slot.rng) : 0.0);
    p.watch_s = watch(slot.rng);
    p.phone = unit(slot.rng) < config_.phone_share;
    p.rtt_s = config_.min_rtt_s + unit(slot.rng) * (config_.max_rtt_s - config_.min_rtt_s);
    ++slot.drawn;
    return p;
  }

  void plan_sessions() {
    slots_.resize(config_.sessions);
    next_arrival_s_.assign(config_.sessions, 0);
    for (std::size_t i = 0; i < config_.sessions; ++i) {
      slots_[i].rng.seed(config_.seed * 0x9E3779B97F4A7C15ULL + i);
      slots_[i].next = draw(slots_[i]);
      next_arrival_s_[i] = slots_[i].next.gap_s;
    }
  }

  // The next event outside the link: a wait running out, an arrival, a
  // reallocation or a sample; infinity when no session is active or due.
  double next_event_s() const {
    double next = kInf;
    bool active = !players_.empty();
    for (const auto& [id, p] : players_) {
      if (p.phase == Phase::waiting) next = std::min(next, p.timer_s);
    }
    bool arrivals = false;
    for (double a : next_arrival_s_) {
      if (a <= config_.duration_s) {
        arrivals = true;
        next = std::min(next, a);
      }
    }
    if (!active && !arrivals) return kInf;
    return std::min({next, next_realloc_s_, next_sample_s_});
  }

  // Lets time run from `t` to `next`: buffers drain, stalls accrue.
  void drain(double t, double next) {
    const double dt = next - t;
    if (dt <= 0) return;
    offered_bits_ += capacity_.bits_between(t, next);
    for (auto& [id, p] : players_) {
      if (p.playing) {
        if (p.buffer_s >= dt) {
          p.buffer_s -= dt;
        } else {
          p.stall_s += dt - p.buffer_s;
          p.buffer_s = 0;
        }
      } else {
        p.startup_s += dt;
      }
    }
  }

  void fire(double t) {
    for (auto& [id, p] : players_) {
      if (p.phase == Phase::waiting && p.timer_s <= t) request(p, t);
    }
    for (std::size_t slot = 0; slot < next_arrival_s_.size(); ++slot) {
      if (next_arrival_s_[slot] <= t && next_arrival_s_[slot] <= config_.duration_s) arrive(slot, t);
    }
    if (t >= next_realloc_s_) {
      reallocate(t);
      next_realloc_s_ = t + config_.realloc_interval_s;
    }
    if (t >= next_sample_s_) {
      sample(t);
      next_sample_s_ = t + config_.sample_interval_s;
    }
  }

  void arrive(std::size_t slot, double t) {
    const std::size_t k = slots_[slot].drawn - 1;  // this session's index in its slot
    const Plan plan = slots_[slot].next;
    const Title& title = titles_[(slot + k) % titles_.size()];
    const Manifest& m = *title.manifest;
    Player p;
    p.id = next_id_++;
    p.slot = slot;
    p.title = &title;
    p.abr_spec = &abr_specs_[slot % abr_specs_.size()];
    p.abr = registry_.make_abr(*p.abr_spec, title.manifest, config_.qoe);
    const auto wanted = static_cast<std::size_t>(std::ceil(plan.watch_s / m.segment_duration_s()));
    p.segments = std::min(m.segment_count(), std::max(wanted, std::min(config_.min_segments, m.segment_count())));
    p.phone = plan.phone;
    p.max_rung = plan.phone ? title.phone_rung : m.rung_count() - 1;
    p.rtt_s = plan.rtt_s;
    p.arrival_s = t;
    p.stats = std::make_unique<SessionStatsBuilder>(m.segment_duration_s());
    if (config_.priors) {
      // The first segment at the rung the group's recent median throughput
      // affords (with a safety factor) instead of the controller's blind start.
      if (const auto prior = window_.prior_throughput_bps(group_, t)) {
        p.first_rung = rung_under_cap(title.bitrates_bps, config_.prior_safety * *prior);
      }
    }
    emit(p, t, TelemetryKind::start, 0);
    next_arrival_s_[slot] = kInf;  // set again when this session ends
    const std::size_t id = p.id;
    Player& placed = players_.emplace(id, std::move(p)).first->second;
    request(placed, t);
  }

  // Asks the controller for the next segment and sends the request.
  void request(Player& p, double t) {
    const Manifest& m = *p.title->manifest;
    PlayerState state;
    state.now_s = t - p.arrival_s;
    state.buffer_s = p.buffer_s;
    state.next_segment = p.next_segment;
    state.segments_left = p.segments - p.next_segment;
    state.last_rung = p.last_rung;
    state.rebuffered = p.rebuffered;
    Decision d;
    if (p.next_segment == 0 && p.first_rung != kNoRung) {
      d.rung = p.first_rung;
    } else {
      d = p.abr->decide(state);
    }
    if (d.rung >= m.rung_count()) {
      throw Error(fmt::format("edge: controller {} chose rung {} of a {}-rung ladder", p.abr->name(), d.rung,
                              m.rung_count()));
    }
    p.rung = std::min({d.rung, p.max_rung, rung_under_cap(p.title->bitrates_bps, p.cap_bps)});
    const double delay = p.playing && std::isfinite(d.delay_s) ? std::clamp(d.delay_s, 0.0, p.buffer_s) : 0.0;
    p.size_bytes = m.segment_size_bytes(p.next_segment, p.rung);
    p.request_s = t + delay;
    p.stall_s = 0;
    p.phase = Phase::downloading;
    link_->start(p.id, static_cast<double>(p.size_bytes) * 8.0, p.request_s, p.rtt_s);
  }

  void finish_download(Player& p, double t) {
    const Manifest& m = *p.title->manifest;
    DownloadReport report;
    report.segment = p.next_segment;
    report.rung = p.rung;
    report.size_bytes = p.size_bytes;
    report.start_time_s = p.request_s - p.arrival_s;
    report.download_time_s = std::max(t - p.request_s, kMinDownloadTimeS);
    p.abr->on_download(report);
    p.last_throughput_bps = report.throughput_bps();
    const bool last = p.next_segment + 1 == p.segments;
    p.buffer_s += m.segment_duration_s();
    if (!p.playing && (p.buffer_s >= config_.startup_threshold_s || last)) p.playing = true;
    const QoeTerms q = p.title->qoe->segment(p.rung, p.last_rung, p.next_segment, p.stall_s);
    p.stats->add(p.rung, m.bitrate_bps(p.rung), p.stall_s, q);
    if (p.next_segment < kStartupSegments) p.startup_qoe_sum += q.total;
    if (p.stall_s > 0) emit(p, t, TelemetryKind::stall, 0);
    emit(p, t, TelemetryKind::download, q.total);
    p.rebuffered = p.stall_s > 0;
    p.last_rung = p.rung;
    ++p.next_segment;
    if (last) {
      end_session(p, t);
      return;
    }
    if (p.playing && p.buffer_s > config_.max_buffer_s) {
      p.phase = Phase::waiting;
      p.timer_s = t + (p.buffer_s - config_.max_buffer_s);
    } else {
      request(p, t);
    }
  }

  void end_session(Player& p, double t) {
    EdgeSessionRecord r;
    r.id = p.id;
    r.slot = p.slot;
    r.title = p.title->manifest->name();
    r.abr = *p.abr_spec;
    r.phone = p.phone;
    r.max_rung = p.max_rung;
    r.arrival_s = p.arrival_s;
    r.departure_s = t;
    r.rtt_s = p.rtt_s;
    r.startup_qoe = p.startup_qoe_sum / static_cast<double>(std::min(p.segments, kStartupSegments));
    r.stats = p.stats->finish(p.startup_s);
    r.media_s = static_cast<double>(p.segments) * p.title->manifest->segment_duration_s();
    emit(p, t, TelemetryKind::end, r.stats.qoe_per_segment);
    result_.sessions.push_back(std::move(r));
    // The viewer leaves when the buffer has played out; the slot's next
    // session comes a gap after that.
    Slot& slot = slots_[p.slot];
    slot.next = draw(slot);
    next_arrival_s_[p.slot] = t + p.buffer_s + slot.next.gap_s;
    const std::size_t id = p.id;
    link_->forget(id);
    players_.erase(id);  // p is gone from here on
  }

  void reallocate(double t) {
    std::vector<Player*> active;
    for (auto& [id, p] : players_) active.push_back(&p);
    if (active.empty()) return;
    std::vector<EdgeSession> sessions(active.size());
    for (std::size_t i = 0; i < active.size(); ++i) {
      const Player& p = *active[i];
      sessions[i].bitrates_bps = p.title->bitrates_bps;
      sessions[i].utilities = p.title->utilities;
      sessions[i].max_rung = p.max_rung;
      sessions[i].buffer_s = p.buffer_s;
      sessions[i].rung = p.last_rung;
      sessions[i].throughput_bps = std::min(p.last_throughput_bps, 1e12);
    }
    // The capacity the edge measured over the last interval.
    const double since = std::max(0.0, t - config_.realloc_interval_s);
    const double capacity = t > since ? capacity_.bits_between(since, t) / (t - since) : capacity_.rate_bps(t);
    std::vector<EdgeAllocation> out(active.size());
    allocator_->allocate(capacity, sessions, out);
    for (std::size_t i = 0; i < active.size(); ++i) {
      active[i]->cap_bps = out[i].cap_bps;
      link_->set_weight(active[i]->id, out[i].rate_bps);
    }
  }

  void sample(double t) {
    EdgeSample s;
    s.time_s = t;
    s.capacity_bps = capacity_.rate_bps(t);
    double buffers = 0;
    for (const auto& [id, p] : players_) {
      ++s.active_sessions;
      buffers += p.buffer_s;
      if (p.phase == Phase::downloading) ++s.downloading;
      if (p.playing && p.buffer_s <= 0) ++s.stalled;
    }
    s.mean_buffer_s = s.active_sessions > 0 ? buffers / static_cast<double>(s.active_sessions) : 0.0;
    const double span = t - last_sample_s_;
    s.delivered_bps = span > 0 ? (link_->delivered_bits() - sampled_bits_) / span : 0.0;
    sampled_bits_ = link_->delivered_bits();
    last_sample_s_ = t;
    result_.samples.push_back(s);
  }

  void emit(const Player& p, double t, TelemetryKind kind, double qoe) {
    if (!telemetry_ && !config_.priors) return;
    TelemetryEvent e;
    e.session_id = fmt::format("s{}", p.id);
    e.group = group_;
    e.time_s = t;
    e.kind = kind;
    e.rung = kind == TelemetryKind::start ? kNoRung : p.rung;
    e.bitrate_bps = kind == TelemetryKind::start ? 0.0 : p.title->bitrates_bps[p.rung];
    e.buffer_s = p.buffer_s;
    e.throughput_bps = kind == TelemetryKind::download ? p.last_throughput_bps : 0.0;
    e.stall_s = kind == TelemetryKind::stall ? p.stall_s : 0.0;
    e.latency_s = kind == TelemetryKind::download ? p.rtt_s : 0.0;
    e.qoe = qoe;
    if (config_.priors) window_.add(e);
    if (telemetry_) telemetry_->emit(e);
  }

  const EdgeSimConfig& config_;
  const Registry& registry_;
  TelemetrySink* telemetry_;
  sim::LoopedCapacity capacity_;
  std::unique_ptr<BandwidthAllocator> allocator_;
  std::unique_ptr<edge::EdgeLink> link_;
  TelemetryWindow window_;
  std::string group_;
  std::vector<Title> titles_;
  std::vector<std::string> abr_specs_;
  std::vector<Slot> slots_;
  std::vector<double> next_arrival_s_;
  std::map<std::size_t, Player> players_;  // active sessions by id
  std::size_t next_id_ = 0;
  double next_realloc_s_ = 0, next_sample_s_ = 0, last_sample_s_ = 0;
  double offered_bits_ = 0, sampled_bits_ = 0;
  EdgeRunResult result_;
};

}  // namespace

void EdgeSimConfig::validate() const {
  if (sessions == 0 || sessions > kMaxEdgeSessions) {
    throw Error(fmt::format("edge config: sessions = {} is not in [1, {}]", sessions, kMaxEdgeSessions));
  }
  check_range(capacity_scale, 0, 1e9, "capacity_scale");
  check_range(duration_s, 0, 1e7, "duration_s");
  check_range(mean_watch_s, 1e-3, 1e7, "mean_watch_s");
  if (min_segments == 0) throw Error("edge config: min_segments must be at least 1");
  check_range(mean_gap_s, 0, 1e7, "mean_gap_s");
  check_range(first_arrival_spread_s, 0, 1e7, "first_arrival_spread_s");
  check_range(phone_share, 0, 1, "phone_share");
  check_range(phone_max_height, 0, kMaxRungDimension, "phone_max_height");
  check_range(phone_max_bitrate_bps, 0, kMaxBitrateBps, "phone_max_bitrate_bps");
  check_range(min_rtt_s, 0, 10, "min_rtt_s");
  check_range(max_rtt_s, min_rtt_s, 10, "max_rtt_s");
  check_range(payload_fraction, 1e-3, 1, "payload_fraction");
  check_range(max_buffer_s, 1e-3, 3600, "max_buffer_s");
  check_range(startup_threshold_s, 0, 3600, "startup_threshold_s");
  check_range(realloc_interval_s, 1e-3, 3600, "realloc_interval_s");
  check_range(sample_interval_s, 1e-3, 3600, "sample_interval_s");
  check_range(prior_window_s, 1e-3, 86400, "prior_window_s");
  check_range(prior_safety, 0, 10, "prior_safety");
  check_range(queue_limit_s, 1e-3, 10, "queue_limit_s");
}

EdgeRunResult simulate_edge(const NetworkTrace& trace, std::span<const std::shared_ptr<const Manifest>> titles,
                            const std::string& allocator_spec, const EdgeSimConfig& config, TelemetrySink* telemetry,
                            const Registry& registry) {
  config.validate();
  validate_trace(trace);
  if (titles.empty()) throw Error("edge: no titles given");
  // Build every controller once up front so a bad spec fails before the run.
  const auto specs = parse_spec_list(config.abr);
  if (specs.empty()) throw Error("edge config: abr names no controller");
  for (const auto& m : titles) {
    if (!m) throw Error("edge: a title is null");
    for (const auto& spec : specs) (void)registry.make_abr(spec.to_string(), m, config.qoe);
  }
  EdgeRun run(trace, titles, allocator_spec, config, telemetry, registry);
  return run.run();
}

EdgeSummary summarize_edge(const std::vector<EdgeSessionRecord>& sessions, double delivered_bits,
                           double capacity_bits) {
  EdgeSummary s;
  s.sessions = sessions.size();
  s.utilisation = capacity_bits > 0 ? delivered_bits / capacity_bits : 0.0;
  if (sessions.empty()) return s;
  std::vector<double> qoe, clipped, switches, bitrate, startup;
  double stall = 0, played = 0;
  for (const auto& r : sessions) {
    qoe.push_back(r.stats.qoe_per_segment);
    clipped.push_back(std::max(0.0, r.stats.qoe_per_segment));
    switches.push_back(static_cast<double>(r.stats.switches));
    bitrate.push_back(r.stats.mean_bitrate_bps);
    startup.push_back(r.startup_qoe);
    stall += r.stats.rebuffer_s;
    played += r.media_s;
  }
  s.min_qoe = *std::min_element(qoe.begin(), qoe.end());
  s.p10_qoe = stats::percentile(qoe, 0.1);
  s.mean_qoe = stats::mean(qoe);
  const double jain = stats::jain_index(clipped);
  s.jain_qoe = std::isfinite(jain) ? jain : 0.0;
  s.mean_switches = stats::mean(switches);
  s.mean_bitrate_bps = stats::mean(bitrate);
  s.startup_qoe = stats::mean(startup);
  s.rebuffer_ratio = stall + played > 0 ? stall / (stall + played) : 0.0;
  return s;
}

}  // namespace streamopt
