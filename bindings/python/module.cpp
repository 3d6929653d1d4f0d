// The compiled part of the Python package: streamopt._streamopt.
// Long calls release the GIL; controllers written in Python run inside the
// C++ simulator through PyController, which takes the GIL per call.
#include <fmt/format.h>
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <cmath>
#include <memory>

#include "streamopt/allocator.hpp"
#include "streamopt/edge_sim.hpp"
#include "streamopt/streamopt.hpp"
#ifdef STREAMOPT_HAVE_CODECS
#include "streamopt/ladder.hpp"
#endif

namespace py = pybind11;
using namespace streamopt;

namespace {

// A Python object kept alive from C++ threads: copies share it, and the last
// owner drops the reference with the GIL held.
std::shared_ptr<py::object> share(py::object object) {
  return std::shared_ptr<py::object>(new py::object(std::move(object)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

// Runs a Python controller (any object with on_download, decide and reset)
// as an AbrController. Python exceptions become streamopt::Error.
class PyController final : public AbrController {
 public:
  PyController(py::object object, std::string name) : object_(share(std::move(object))), name_(std::move(name)) {}

  void on_download(const DownloadReport& report) override {
    call([&] { object_->attr("on_download")(report); }, "on_download");
  }
  Decision decide(const PlayerState& state) override {
    Decision d;
    call([&] {
      py::object result = object_->attr("decide")(state);
      if (py::isinstance<Decision>(result)) {
        d = result.cast<Decision>();
      } else if (py::isinstance<py::int_>(result)) {
        const auto rung = result.cast<long long>();
        if (rung < 0) throw Error(fmt::format("decide() returned rung {}", rung));
        d.rung = static_cast<std::size_t>(rung);
        d.reasons.rule = name_;
      } else {
        throw Error(fmt::format("decide() must return a Decision or an int, not {}",
                                py::str(py::type::of(result).attr("__name__")).cast<std::string>()));
      }
    }, "decide");
    return d;
  }
  std::size_t should_abandon(const DownloadProgress& progress) override {
    std::size_t rung = kNoRung;
    call([&] {
      if (!py::hasattr(*object_, "should_abandon")) return;
      const py::object result = object_->attr("should_abandon")(progress);
      if (result.is_none()) return;
      const auto r = result.cast<long long>();
      if (r < 0) throw Error(fmt::format("should_abandon() returned rung {}", r));
      rung = static_cast<std::size_t>(r);
    }, "should_abandon");
    return rung;
  }
  [[nodiscard]] bool may_abandon() const override {
    py::gil_scoped_acquire gil;
    return py::hasattr(*object_, "should_abandon");
  }
  void reset() override {
    call([&] { object_->attr("reset")(); }, "reset");
  }
  [[nodiscard]] std::string name() const override { return name_; }

 private:
  template <class F>
  void call(F&& body, const char* method) {
    py::gil_scoped_acquire gil;
    try {
      body();
    } catch (py::error_already_set& e) {
      throw Error(fmt::format("{}.{}: {}", name_, method, e.what()));
    } catch (const py::cast_error& e) {
      throw Error(fmt::format("{}.{}: {}", name_, method, e.what()));
    }
  }
  std::shared_ptr<py::object> object_;
  std::string name_;
};

std::string python_name(const py::handle& object) {
  if (py::hasattr(object, "name") && py::isinstance<py::str>(object.attr("name"))) {
    return object.attr("name").cast<std::string>();
  }
  return py::str(py::type::of(object).attr("__name__")).cast<std::string>();
}

// "name" plus keyword options -> a parsed spec. Booleans become true/false.
// A value a spec cannot hold (one with ',' or ';') is rejected, never spliced
// into the spec text, so a keyword cannot smuggle in another option.
AlgorithmSpec spec_with_options(const std::string& spec, const py::kwargs& options) {
  AlgorithmSpec parsed = parse_spec(spec);
  for (const auto& [key, value] : options) {
    const auto k = py::str(key).cast<std::string>();
    std::string v = py::isinstance<py::bool_>(value) ? (value.cast<bool>() ? "true" : "false")
                                                     : py::str(value).cast<std::string>();
    if (v.find_first_of(",;") != std::string::npos) {
      throw Error(fmt::format("option {}='{}': a value may not contain ',' or ';'", k, v));
    }
    if (parsed.options.has(k)) throw Error(fmt::format("option {} given twice", k));
    parsed.options.set(k, v);
  }
  return parsed;
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& values) {
  return py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

py::dict stats_dict(const SessionStats& s) {
  py::dict d;
  d["segments"] = s.segments;
  d["qoe_sum"] = s.qoe_sum;
  d["qoe_sum_pensieve"] = s.qoe_sum_pensieve;
  d["qoe_per_segment"] = s.qoe_per_segment;
  d["utility_per_segment"] = s.utility_per_segment;
  d["rebuffer_penalty_per_segment"] = s.rebuffer_penalty_per_segment;
  d["smoothness_penalty_per_segment"] = s.smoothness_penalty_per_segment;
  d["mean_bitrate_bps"] = s.mean_bitrate_bps;
  d["rebuffer_s"] = s.rebuffer_s;
  d["rebuffer_ratio"] = s.rebuffer_ratio;
  d["startup_delay_s"] = s.startup_delay_s;
  d["switches"] = s.switches;
  d["mean_switch_bps"] = s.mean_switch_bps;
  if (s.live) {
    d["latency_penalty_per_segment"] = s.latency_penalty_per_segment;
    d["speed_penalty_per_segment"] = s.speed_penalty_per_segment;
    d["live_latency_mean_s"] = s.live_latency_mean_s;
    d["live_latency_p95_s"] = s.live_latency_p95_s;
    d["time_at_target"] = s.time_at_target;
    d["playback_rate_changes"] = s.playback_rate_changes;
    d["resyncs"] = s.resyncs;
  }
  return d;
}

// Columns of a session as numpy arrays, plus its statistics.
// A congestion-control run as plain Python objects: metrics dicts plus
// numpy columns of the interval series (and packets when kept).
py::dict cc_result_dict(const CcRunResult& r) {
  const auto number = [](double v) { return std::isnan(v) ? py::object(py::none()) : py::object(py::float_(v)); };
  const auto numbers = [&](const std::vector<double>& v) {
    py::list l;
    for (double x : v) l.append(number(x));
    return l;
  };
  py::list flows;
  for (const CcFlowMetrics& f : r.metrics.flows) {
    py::dict d;
    d["flow"] = f.flow; d["label"] = f.label; d["throughput_bps"] = number(f.throughput_bps);
    d["media_rate_mean_bps"] = number(f.media_rate_mean_bps); d["media_rate_cov"] = number(f.media_rate_cov);
    d["queue_delay_p50_s"] = number(f.queue_delay_p50_s); d["queue_delay_p95_s"] = number(f.queue_delay_p95_s);
    d["queue_delay_p99_s"] = number(f.queue_delay_p99_s); d["frame_delay_p95_s"] = number(f.frame_delay_p95_s);
    d["loss_fraction"] = number(f.loss_fraction); d["frames_skipped_fraction"] = number(f.frames_skipped_fraction);
    d["ramp_up_s"] = number(f.ramp_up_s); d["convergence_s"] = numbers(f.convergence_s);
    d["peak_queue_after_drop_s"] = numbers(f.peak_queue_after_drop_s);
    flows.append(d);
  }
  const auto column = [](const auto& rows, auto field) {
    std::vector<double> values;
    values.reserve(rows.size());
    for (const auto& row : rows) values.push_back(static_cast<double>(field(row)));
    return to_array(values);
  };
  py::dict intervals;
  const auto& iv = r.intervals;
  intervals["time_s"] = column(iv, [](const CcIntervalRecord& x) { return x.time_s; });
  intervals["flow"] = column(iv, [](const CcIntervalRecord& x) { return x.flow; });
  intervals["capacity_bps"] = column(iv, [](const CcIntervalRecord& x) { return x.capacity_bps; });
  intervals["target_bps"] = column(iv, [](const CcIntervalRecord& x) { return x.target_bps; });
  intervals["pacing_bps"] = column(iv, [](const CcIntervalRecord& x) { return x.pacing_bps; });
  intervals["received_bps"] = column(iv, [](const CcIntervalRecord& x) { return x.received_bps; });
  intervals["queue_delay_s"] = column(iv, [](const CcIntervalRecord& x) { return x.queue_delay_s; });
  intervals["signal"] = column(iv, [](const CcIntervalRecord& x) { return x.state.signal; });
  intervals["threshold"] = column(iv, [](const CcIntervalRecord& x) { return x.state.threshold; });
  py::dict d;
  d["case"] = r.case_name;
  d["utilisation"] = number(r.metrics.utilisation);
  d["jain_fairness"] = number(r.metrics.jain_fairness);
  d["media_tcp_ratio"] = number(r.metrics.media_tcp_ratio);
  d["step_times_s"] = numbers(r.metrics.step_times_s);
  d["flows"] = flows;
  d["intervals"] = intervals;
  d["table"] = format_cc_metrics(r);
  if (!r.packets.empty()) {
    py::dict packets;
    const auto& pk = r.packets;
    packets["flow"] = column(pk, [](const CcPacketRecord& x) { return x.flow; });
    packets["sequence"] = column(pk, [](const CcPacketRecord& x) { return x.sequence; });
    packets["size_bytes"] = column(pk, [](const CcPacketRecord& x) { return x.size_bytes; });
    packets["send_s"] = column(pk, [](const CcPacketRecord& x) { return x.send_s; });
    packets["arrival_s"] = column(pk, [](const CcPacketRecord& x) { return x.arrival_s; });
    packets["queue_delay_s"] = column(pk, [](const CcPacketRecord& x) { return x.queue_delay_s; });
    d["packets"] = packets;
  }
  return d;
}

#ifdef STREAMOPT_HAVE_CODECS
// The video source of a codec call: files, or a synthetic (w, h, fps, frames) pattern.
std::unique_ptr<VideoSource> python_source(const std::vector<std::filesystem::path>& inputs,
                                           const std::optional<std::tuple<int, int, int, int>>& synthetic) {
  if (inputs.empty() == !synthetic) throw Error("give either inputs or synthetic=(width, height, fps, frames)");
  if (synthetic) {
    const auto [w, h, fps, frames] = *synthetic;
    return synthetic_video(w, h, fps, frames);
  }
  return open_video_files(inputs);
}
#endif

// Runs a case with the GIL released and optionally writes the result files.
py::dict run_cc(const CcCase& c, bool keep_packets, double interval_s, const std::optional<std::filesystem::path>& out) {
  CcRunOptions options;
  options.keep_packets = keep_packets;
  options.interval_s = interval_s;
  CcRunResult result;
  {
    py::gil_scoped_release release;
    result = run_cc_case(c, options);
    if (out) write_cc_result(result, *out);
  }
  return cc_result_dict(result);
}

py::dict session_dict(const SessionResult& r) {
  const auto column = [&](auto field) {
    using T = std::decay_t<decltype(field(r.segments.front()))>;
    std::vector<T> values;
    values.reserve(r.segments.size());
    for (const auto& s : r.segments) values.push_back(field(s));
    return to_array(values);
  };
  py::dict d;
  if (!r.segments.empty()) {
    d["segment"] = column([](const SegmentRecord& s) { return static_cast<std::int64_t>(s.segment); });
    d["time_s"] = column([](const SegmentRecord& s) { return s.time_s; });
    d["rung"] = column([](const SegmentRecord& s) { return static_cast<std::int64_t>(s.rung); });
    d["bitrate_bps"] = column([](const SegmentRecord& s) { return s.bitrate_bps; });
    d["buffer_s"] = column([](const SegmentRecord& s) { return s.buffer_s; });
    d["rebuffer_s"] = column([](const SegmentRecord& s) { return s.rebuffer_s; });
    d["size_bytes"] = column([](const SegmentRecord& s) { return static_cast<std::int64_t>(s.size_bytes); });
    d["download_time_s"] = column([](const SegmentRecord& s) { return s.download_time_s; });
    d["sleep_s"] = column([](const SegmentRecord& s) { return s.sleep_s; });
    d["delay_s"] = column([](const SegmentRecord& s) { return s.delay_s; });
    d["qoe"] = column([](const SegmentRecord& s) { return s.qoe.total; });
    d["utility"] = column([](const SegmentRecord& s) { return s.qoe.utility; });
    d["rebuffer_penalty"] = column([](const SegmentRecord& s) { return s.qoe.rebuffer_penalty; });
    d["smoothness_penalty"] = column([](const SegmentRecord& s) { return s.qoe.smoothness_penalty; });
    d["abandoned_rung"] = column([](const SegmentRecord& s) {
      return s.abandoned_rung == kNoRung ? std::int64_t{-1} : static_cast<std::int64_t>(s.abandoned_rung);
    });
    d["abandoned_bytes"] = column([](const SegmentRecord& s) { return static_cast<std::int64_t>(s.abandoned_bytes); });
    d["transfer_time_s"] = column([](const SegmentRecord& s) { return s.transfer_time_s; });
    d["latency_s"] = column([](const SegmentRecord& s) { return s.latency_s; });
    d["playback_rate"] = column([](const SegmentRecord& s) { return s.playback_rate; });
    d["latency_penalty"] = column([](const SegmentRecord& s) { return s.qoe.latency_penalty; });
    d["speed_penalty"] = column([](const SegmentRecord& s) { return s.qoe.speed_penalty; });
  }
  d["stats"] = stats_dict(r.stats);
  return d;
}

SimConfig sim_config(const std::string& mode, const py::dict& overrides) {
  SimConfig c = SimConfig::from_name(mode);
  for (const auto& [key, value] : overrides) {
    const auto k = py::str(key).cast<std::string>();
    if (k == "rtt_s") c.rtt_s = value.cast<double>();
    else if (k == "payload_fraction") c.payload_fraction = value.cast<double>();
    else if (k == "max_buffer_s") c.max_buffer_s = value.cast<double>();
    else if (k == "startup_threshold_s") c.startup_threshold_s = value.cast<double>();
    else if (k == "segment_count") c.segment_count = value.cast<std::size_t>();
    else if (k == "progress_interval_s") c.progress_interval_s = value.cast<double>();
    else if (k == "target_latency_s") c.live.target_latency_s = value.cast<double>();
    else if (k == "chunk_s") c.live.chunk_s = value.cast<double>();
    else if (k == "min_playback_rate") c.live.min_playback_rate = value.cast<double>();
    else if (k == "max_playback_rate") c.live.max_playback_rate = value.cast<double>();
    else if (k == "dvr_window_s") c.live.dvr_window_s = value.cast<double>();
    else if (k == "max_drift_s") c.live.max_drift_s = value.cast<double>();
    else if (k == "catchup") c.live.catchup = value.cast<bool>();
    else if (k == "chunk_aware_throughput") c.live.chunk_aware_throughput = value.cast<bool>();
    else throw Error(fmt::format("unknown simulator setting '{}' (rtt_s, payload_fraction, max_buffer_s, "
                                 "startup_threshold_s, segment_count, progress_interval_s; live: target_latency_s, "
                                 "chunk_s, min_playback_rate, max_playback_rate, dvr_window_s, max_drift_s, catchup, "
                                 "chunk_aware_throughput)", k));
  }
  return c;
}


// ---- Bandwidth allocators and the edge simulator ----

// A Python value as T; a value of the wrong type is an Error naming `what`.
template <class T>
T cast_named(const py::handle& value, const std::string& what, const char* expected) {
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    throw Error(fmt::format("{} = {} is not {}", what, py::repr(value).cast<std::string>(), expected));
  }
}

// The sessions of one allocate() call: the ladders copied out of Python,
// and EdgeSession views of them (which the vectors outlive).
struct PyEdgeSessions {
  std::vector<std::vector<double>> bitrates;
  std::vector<std::vector<double>> utilities;
  std::vector<EdgeSession> sessions;
};

PyEdgeSessions edge_sessions(const py::list& items) {
  PyEdgeSessions r;
  r.bitrates.resize(items.size());
  r.utilities.resize(items.size());
  r.sessions.resize(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const py::handle item = items[i];
    if (!py::isinstance<py::dict>(item)) {
      throw Error(fmt::format("sessions[{}] is not a dict (keys: bitrates_bps, utilities, max_rung, buffer_s, rung, "
                              "throughput_bps, weight)", i));
    }
    EdgeSession& e = r.sessions[i];
    bool has_ladder = false;
    for (const auto& [key, value] : item.cast<py::dict>()) {
      const auto k = py::str(key).cast<std::string>();
      const std::string what = fmt::format("sessions[{}].{}", i, k);
      const auto rung_or_none = [&] {
        return value.is_none() ? kNoRung : cast_named<std::size_t>(value, what, "a rung index (int >= 0) or None");
      };
      if (k == "bitrates_bps") {
        r.bitrates[i] = cast_named<std::vector<double>>(value, what, "a list of numbers");
        has_ladder = true;
      } else if (k == "utilities") {
        if (!value.is_none()) r.utilities[i] = cast_named<std::vector<double>>(value, what, "a list of numbers or None");
      } else if (k == "max_rung") {
        e.max_rung = rung_or_none();
      } else if (k == "rung") {
        e.rung = rung_or_none();
      } else if (k == "buffer_s") {
        e.buffer_s = cast_named<double>(value, what, "a number");
      } else if (k == "throughput_bps") {
        e.throughput_bps = cast_named<double>(value, what, "a number");
      } else if (k == "weight") {
        e.weight = cast_named<double>(value, what, "a number");
      } else {
        throw Error(fmt::format("sessions[{}]: unknown key '{}' (bitrates_bps, utilities, max_rung, buffer_s, rung, "
                                "throughput_bps, weight)", i, k));
      }
    }
    if (!has_ladder) throw Error(fmt::format("sessions[{}]: bitrates_bps is required", i));
    e.bitrates_bps = r.bitrates[i];
    e.utilities = r.utilities[i];
  }
  return r;
}

// simulate_edge's keyword arguments onto EdgeSimConfig's defaults.
EdgeSimConfig edge_config(const py::kwargs& options) {
  EdgeSimConfig c;
  for (const auto& [key, value] : options) {
    const auto k = py::str(key).cast<std::string>();
    const auto number = [&] { return cast_named<double>(value, k, "a number"); };
    const auto count = [&] { return cast_named<std::size_t>(value, k, "an int >= 0"); };
    if (k == "sessions") c.sessions = count();
    else if (k == "capacity_scale") c.capacity_scale = number();
    else if (k == "duration_s") c.duration_s = number();
    else if (k == "mean_watch_s") c.mean_watch_s = number();
    else if (k == "min_segments") c.min_segments = count();
    else if (k == "mean_gap_s") c.mean_gap_s = number();
    else if (k == "first_arrival_spread_s") c.first_arrival_spread_s = number();
    else if (k == "phone_share") c.phone_share = number();
    else if (k == "phone_max_height") c.phone_max_height = cast_named<int>(value, k, "an int");
    else if (k == "phone_max_bitrate_bps") c.phone_max_bitrate_bps = number();
    else if (k == "min_rtt_s") c.min_rtt_s = number();
    else if (k == "max_rtt_s") c.max_rtt_s = number();
    else if (k == "payload_fraction") c.payload_fraction = number();
    else if (k == "sharing") {
      const auto sharing = cast_named<std::string>(value, k, "'fluid' or 'packet'");
      if (sharing == "fluid") c.sharing = EdgeSharing::fluid;
      else if (sharing == "packet") c.sharing = EdgeSharing::packet;
      else throw Error(fmt::format("sharing = '{}' is not 'fluid' or 'packet'", sharing));
    }
    else if (k == "queue_limit_s") c.queue_limit_s = number();
    else if (k == "max_buffer_s") c.max_buffer_s = number();
    else if (k == "startup_threshold_s") c.startup_threshold_s = number();
    else if (k == "realloc_interval_s") c.realloc_interval_s = number();
    else if (k == "sample_interval_s") c.sample_interval_s = number();
    else if (k == "abr") c.abr = cast_named<std::string>(value, k, "a spec string");
    else if (k == "qoe") c.qoe = cast_named<std::string>(value, k, "a spec string");
    else if (k == "priors") c.priors = cast_named<bool>(value, k, "a bool");
    else if (k == "prior_window_s") c.prior_window_s = number();
    else if (k == "prior_safety") c.prior_safety = number();
    else if (k == "seed") c.seed = cast_named<std::uint64_t>(value, k, "an int >= 0");
    else throw Error(fmt::format("unknown edge setting '{}' (sessions, capacity_scale, duration_s, mean_watch_s, "
                                 "min_segments, mean_gap_s, first_arrival_spread_s, phone_share, phone_max_height, "
                                 "phone_max_bitrate_bps, min_rtt_s, max_rtt_s, payload_fraction, sharing, queue_limit_s, max_buffer_s, "
                                 "startup_threshold_s, realloc_interval_s, sample_interval_s, abr, qoe, priors, "
                                 "prior_window_s, prior_safety, seed)", k));
  }
  return c;
}

py::dict edge_result_dict(const EdgeRunResult& r) {
  const EdgeSummary& s = r.summary;
  py::dict summary;
  summary["sessions"] = s.sessions; summary["min_qoe"] = s.min_qoe; summary["p10_qoe"] = s.p10_qoe;
  summary["mean_qoe"] = s.mean_qoe; summary["jain_qoe"] = s.jain_qoe; summary["rebuffer_ratio"] = s.rebuffer_ratio;
  summary["utilisation"] = s.utilisation; summary["mean_switches"] = s.mean_switches;
  summary["mean_bitrate_bps"] = s.mean_bitrate_bps; summary["startup_qoe"] = s.startup_qoe;
  py::list sessions;
  for (const EdgeSessionRecord& e : r.sessions) {
    py::dict d;
    d["id"] = e.id; d["slot"] = e.slot; d["title"] = e.title; d["abr"] = e.abr; d["phone"] = e.phone; d["max_rung"] = e.max_rung;
    d["arrival_s"] = e.arrival_s; d["departure_s"] = e.departure_s; d["rtt_s"] = e.rtt_s;
    d["startup_qoe"] = e.startup_qoe; d["media_s"] = e.media_s; d["stats"] = stats_dict(e.stats);
    sessions.append(d);
  }
  py::list samples;
  for (const EdgeSample& x : r.samples) {
    py::dict d;
    d["time_s"] = x.time_s; d["active_sessions"] = x.active_sessions; d["downloading"] = x.downloading;
    d["stalled"] = x.stalled; d["capacity_bps"] = x.capacity_bps; d["delivered_bps"] = x.delivered_bps;
    d["mean_buffer_s"] = x.mean_buffer_s;
    samples.append(d);
  }
  py::dict d;
  d["allocator"] = r.allocator;
  d["trace"] = r.trace;
  d["summary"] = summary;
  d["sessions"] = sessions;
  d["samples"] = samples;
  return d;
}

}  // namespace

PYBIND11_MODULE(_streamopt, m) {
  m.doc() = "streamopt: ABR decision engine, trace-driven simulator and QoE evaluation (compiled core)";
  m.attr("__version__") = kVersionString;
  m.attr("NO_RUNG") = kNoRung;

  py::register_exception<Error>(m, "Error", PyExc_ValueError);

  py::class_<Manifest, std::shared_ptr<Manifest>>(m, "Manifest", "A title's bitrate ladder with per-segment sizes (and qualities).")
      .def_static("load", [](const std::filesystem::path& dir) { return Manifest::load(dir); }, py::arg("dir"),
                  "Loads a manifest directory (ladder.json + sizes/).")
      .def_static(
          "from_arrays",
          [](const std::vector<double>& bitrates_bps, double segment_duration_s, std::size_t segment_count,
             std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>> sizes_bytes,
             std::optional<py::array_t<double, py::array::c_style | py::array::forcecast>> quality) {
            std::vector<Rung> rungs;
            for (double b : bitrates_bps) rungs.push_back({b, 0, 0, ""});
            const auto rows = [&](auto& array, auto tag) {
              using T = decltype(tag);
              std::vector<std::vector<T>> out;
              if (array.ndim() != 2 || static_cast<std::size_t>(array.shape(1)) != rungs.size()) {
                throw Error(fmt::format("expected a (segments, {}) array", rungs.size()));
              }
              const auto view = array.template unchecked<2>();
              for (py::ssize_t s = 0; s < array.shape(0); ++s) {
                out.emplace_back();
                for (py::ssize_t r = 0; r < array.shape(1); ++r) out.back().push_back(view(s, r));
              }
              return out;
            };
            std::vector<std::vector<std::uint64_t>> sizes;
            std::vector<std::vector<double>> qualities;
            if (sizes_bytes) {
              // Read as float64 so that NaN, negative or fractional sizes are
              // named, not wrapped into huge integers by numpy's cast.
              for (const auto& row : rows(*sizes_bytes, double{})) {
                sizes.emplace_back();
                for (double v : row) {
                  if (!(v >= 1 && v <= static_cast<double>(kMaxSegmentSizeBytes)) || v != std::floor(v)) {
                    throw Error(fmt::format("sizes_bytes[{}][{}] = {} is not a whole number of bytes in [1, {}]",
                                            sizes.size() - 1, sizes.back().size(), v, kMaxSegmentSizeBytes));
                  }
                  sizes.back().push_back(static_cast<std::uint64_t>(v));
                }
              }
            }
            if (quality) qualities = rows(*quality, double{});
            if (segment_count == 0) segment_count = sizes.empty() ? qualities.size() : sizes.size();
            return Manifest(std::move(rungs), segment_duration_s, segment_count, sizes, qualities);
          },
          py::arg("bitrates_bps"), py::arg("segment_duration_s"), py::arg("segment_count") = 0,
          py::arg("sizes_bytes") = py::none(), py::arg("quality") = py::none(),
          "Builds a manifest. sizes_bytes and quality are (segments, rungs) arrays; without sizes a "
          "segment is bitrate x duration / 8 bytes (segment_count then required).")
      .def_static("synthetic", &Manifest::synthetic_default, py::arg("seed") = 1,
                  "The 300..4300 kbps ladder with 49 synthetic 4 s segments.")
      .def_property_readonly("name", &Manifest::name)
      .def_property_readonly("rung_count", &Manifest::rung_count)
      .def_property_readonly("segment_count", &Manifest::segment_count)
      .def_property_readonly("segment_duration_s", &Manifest::segment_duration_s)
      .def_property_readonly("has_quality", &Manifest::has_quality)
      .def_property_readonly("bitrates_bps", [](const Manifest& mf) {
        std::vector<double> b;
        for (const auto& r : mf.rungs()) b.push_back(r.bitrate_bps);
        return to_array(b);
      })
      .def_property_readonly("sizes_bytes", [](const Manifest& mf) {
        py::array_t<std::int64_t> a({static_cast<py::ssize_t>(mf.segment_count()), static_cast<py::ssize_t>(mf.rung_count())});
        auto v = a.mutable_unchecked<2>();
        for (std::size_t s = 0; s < mf.segment_count(); ++s)
          for (std::size_t r = 0; r < mf.rung_count(); ++r) v(s, r) = static_cast<std::int64_t>(mf.segment_size_bytes(s, r));
        return a;
      }, "(segments, rungs) sizes in bytes")
      .def("__repr__", [](const Manifest& mf) {
        return fmt::format("<Manifest '{}': {} rungs, {} x {} s segments>", mf.name(), mf.rung_count(), mf.segment_count(), mf.segment_duration_s());
      });

  py::class_<NetworkTrace>(m, "Trace", "A throughput trace: sample i holds over (time_s[i-1], time_s[i]].")
      .def_static("from_arrays",
                  [](std::vector<double> time_s, std::vector<double> throughput_bps, std::string name) {
                    NetworkTrace t{std::move(name), std::move(time_s), std::move(throughput_bps), {}};
                    validate_trace(t);
                    return t;
                  },
                  py::arg("time_s"), py::arg("throughput_bps"), py::arg("name") = "trace")
      .def_readonly("name", &NetworkTrace::name)
      .def_property_readonly("time_s", [](const NetworkTrace& t) { return to_array(t.time_s); })
      .def_property_readonly("throughput_bps", [](const NetworkTrace& t) { return to_array(t.throughput_bps); })
      .def_property_readonly("duration_s", &NetworkTrace::duration_s)
      .def("stats", [](const NetworkTrace& t) {
        const TraceStats s = trace_stats(t);
        py::dict d;
        d["samples"] = s.samples; d["duration_s"] = s.duration_s; d["mean_bps"] = s.mean_bps;
        d["p10_bps"] = s.p10_bps; d["p50_bps"] = s.p50_bps; d["p90_bps"] = s.p90_bps;
        d["min_bps"] = s.min_bps; d["max_bps"] = s.max_bps; d["outage_s"] = s.outage_s;
        return d;
      }, "Time-weighted statistics.")
      .def("write", [](const NetworkTrace& t, const std::filesystem::path& path, const std::string& format) {
        write_trace(t, path, parse_trace_format(format));
      }, py::arg("path"), py::arg("format") = "cooked", "Writes the trace (cooked, mahimahi or sabre).")
      .def("__len__", [](const NetworkTrace& t) { return t.time_s.size(); })
      .def("__repr__", [](const NetworkTrace& t) {
        return fmt::format("<Trace '{}': {} samples, {:.1f} s>", t.name, t.time_s.size(), t.duration_s());
      });

  m.def("load_trace", [](const std::filesystem::path& path, const std::string& format) {
    return read_trace(path, parse_trace_format(format));
  }, py::arg("path"), py::arg("format") = "auto", "Reads a cooked, Mahimahi or Sabre trace file.");
  m.def("list_trace_files", &list_trace_files, py::arg("path"), "Trace files of a directory, sorted.");

  py::class_<DownloadReport>(m, "DownloadReport", "A finished download, as a player reports it.")
      .def(py::init([](std::size_t segment, std::size_t rung, std::uint64_t size_bytes, double start_time_s,
                       double download_time_s) {
             return DownloadReport{segment, rung, size_bytes, start_time_s, download_time_s};
           }),
           py::arg("segment") = 0, py::arg("rung") = 0, py::arg("size_bytes") = 0, py::arg("start_time_s") = 0.0,
           py::arg("download_time_s") = 0.0)
      .def_readwrite("segment", &DownloadReport::segment)
      .def_readwrite("rung", &DownloadReport::rung)
      .def_readwrite("size_bytes", &DownloadReport::size_bytes)
      .def_readwrite("start_time_s", &DownloadReport::start_time_s)
      .def_readwrite("download_time_s", &DownloadReport::download_time_s)
      .def_readwrite("transfer_time_s", &DownloadReport::transfer_time_s,
                     "live, chunked transfer: seconds the link delivered bytes (0 = not measured)")
      .def_property_readonly("throughput_bps", &DownloadReport::throughput_bps)
      .def("__repr__", [](const DownloadReport& r) {
        return fmt::format("DownloadReport(segment={}, rung={}, size_bytes={}, start_time_s={}, download_time_s={})",
                           r.segment, r.rung, r.size_bytes, r.start_time_s, r.download_time_s);
      });

  py::class_<PlayerState>(m, "PlayerState", "The player's state when it asks for a decision.")
      .def(py::init([](double now_s, double buffer_s, std::size_t next_segment, std::size_t segments_left,
                       std::optional<std::size_t> last_rung, bool rebuffered) {
             return PlayerState{now_s, buffer_s, next_segment, segments_left, last_rung.value_or(kNoRung), rebuffered};
           }),
           py::arg("now_s") = 0.0, py::arg("buffer_s") = 0.0, py::arg("next_segment") = 0,
           py::arg("segments_left") = 0, py::arg("last_rung") = py::none(), py::arg("rebuffered") = false)
      .def_readwrite("now_s", &PlayerState::now_s)
      .def_readwrite("buffer_s", &PlayerState::buffer_s)
      .def_readwrite("next_segment", &PlayerState::next_segment)
      .def_readwrite("segments_left", &PlayerState::segments_left)
      .def_property("last_rung",
                    [](const PlayerState& s) -> std::optional<std::size_t> {
                      if (s.last_rung == kNoRung) return std::nullopt;
                      return s.last_rung;
                    },
                    [](PlayerState& s, std::optional<std::size_t> r) { s.last_rung = r.value_or(kNoRung); },
                    "Previous rung, None before the first segment.")
      .def_readwrite("rebuffered", &PlayerState::rebuffered)
      .def_readwrite("live", &PlayerState::live, "the session plays a live stream")
      .def_readwrite("latency_s", &PlayerState::latency_s, "live latency: live edge minus playhead")
      .def_readwrite("target_latency_s", &PlayerState::target_latency_s)
      .def_readwrite("live_edge_s", &PlayerState::live_edge_s, "media time produced so far")
      .def_readwrite("playback_rate", &PlayerState::playback_rate, "current playback speed")
      .def("__repr__", [](const PlayerState& s) {
        return fmt::format("PlayerState(now_s={}, buffer_s={}, next_segment={}, segments_left={}, last_rung={})",
                           s.now_s, s.buffer_s, s.next_segment, s.segments_left,
                           s.last_rung == kNoRung ? std::string("None") : std::to_string(s.last_rung));
      });

  py::class_<DownloadProgress>(m, "DownloadProgress", "A download in flight, at a progress event.")
      .def_readonly("segment", &DownloadProgress::segment)
      .def_readonly("rung", &DownloadProgress::rung)
      .def_readonly("size_bytes", &DownloadProgress::size_bytes)
      .def_readonly("received_bytes", &DownloadProgress::received_bytes)
      .def_readonly("start_time_s", &DownloadProgress::start_time_s)
      .def_readonly("elapsed_s", &DownloadProgress::elapsed_s)
      .def_readonly("buffer_s", &DownloadProgress::buffer_s)
      .def_property_readonly("throughput_bps", &DownloadProgress::throughput_bps);

  py::class_<Decision>(m, "Decision", "A rung, an optional wait, a live playback rate, and the reasons.")
      .def(py::init([](std::size_t rung, double delay_s, std::string rule, double playback_rate) {
             Decision d;
             d.rung = rung;
             d.delay_s = delay_s;
             d.reasons.rule = std::move(rule);
             d.playback_rate = playback_rate;
             return d;
           }),
           py::arg("rung") = 0, py::arg("delay_s") = 0.0, py::arg("rule") = "", py::arg("playback_rate") = 0.0)
      .def_readwrite("rung", &Decision::rung)
      .def_readwrite("delay_s", &Decision::delay_s)
      .def_readwrite("playback_rate", &Decision::playback_rate, "live: playback speed to use, 0 = the player's own")
      .def_property("rule", [](const Decision& d) { return d.reasons.rule; },
                    [](Decision& d, std::string r) { d.reasons.rule = std::move(r); })
      .def_property_readonly("estimate_bps", [](const Decision& d) { return d.reasons.estimate_bps; })
      .def_property_readonly("conservative_bps", [](const Decision& d) { return d.reasons.conservative_bps; })
      .def_property_readonly("buffer_s", [](const Decision& d) { return d.reasons.buffer_s; })
      .def_property_readonly("scores", [](const Decision& d) { return d.reasons.scores; })
      .def_property_readonly("plan", [](const Decision& d) { return d.reasons.plan; })
      .def_property_readonly("objective", [](const Decision& d) { return d.reasons.objective; })
      .def("__repr__", [](const Decision& d) {
        return fmt::format("Decision(rung={}, delay_s={}, rule='{}')", d.rung, d.delay_s, d.reasons.rule);
      });

  py::class_<Prediction>(m, "Prediction", "A throughput prediction.")
      .def_readonly("estimate_bps", &Prediction::estimate_bps)
      .def_readonly("conservative_bps", &Prediction::conservative_bps)
      .def_readonly("valid", &Prediction::valid);

  py::class_<AbrController>(m, "Controller", "A built-in C++ ABR controller (see make_abr).")
      .def("on_download", &AbrController::on_download, py::arg("report"), "Feeds one finished download.")
      .def("decide", &AbrController::decide, py::arg("state"), "Decides the next rung.")
      .def("should_abandon",
           [](AbrController& c, const DownloadProgress& p) -> std::optional<std::size_t> {
             const std::size_t r = c.should_abandon(p);
             if (r == kNoRung) return std::nullopt;
             return r;
           },
           py::arg("progress"), "The rung to abandon a download in flight for, or None.")
      .def("reset", &AbrController::reset, "Forgets per-session state.")
      .def_property_readonly("name", &AbrController::name);

  py::class_<ThroughputPredictor>(m, "Predictor", "A built-in throughput predictor (see make_predictor).")
      .def("observe", &ThroughputPredictor::observe, py::arg("report"))
      .def("predict", &ThroughputPredictor::predict)
      .def("reset", &ThroughputPredictor::reset)
      .def_property_readonly("name", &ThroughputPredictor::name);

  m.def("make_abr", [](const std::string& spec, std::shared_ptr<Manifest> manifest, const std::string& qoe,
                       const py::kwargs& options) {
    if (!manifest) throw Error("make_abr: manifest must not be None");
    const Registry& registry = Registry::builtin();
    std::shared_ptr<const Manifest> shared = std::move(manifest);
    return checked_controller(registry.make_abr(spec_with_options(spec, options), BuildContext(registry, shared, qoe)),
                              shared);
  }, py::arg("spec"), py::arg("manifest"), py::arg("qoe") = "lin",
        "Builds a controller: make_abr('robust_mpc', manifest, horizon=5) or make_abr('bola:variant=basic', manifest).\n"
        "qoe= names the session's QoE model the planning controllers (MPC) optimise. Reports and states given\n"
        "to the controller are checked against the manifest (ValueError naming the field).");
  m.def("make_predictor", [](const std::string& spec, const py::kwargs& options) {
    const Registry& registry = Registry::builtin();
    return registry.make_predictor(spec_with_options(spec, options), BuildContext(registry, nullptr));
  }, py::arg("spec"), "Builds a throughput predictor: make_predictor('ewma', safety=0.8).");
  m.def("abr_names", [] { return Registry::builtin().abr_names(); }, "(name, summary) of every built-in controller.");
  m.def("predictor_names", [] { return Registry::builtin().predictor_names(); },
        "(name, summary) of every built-in throughput predictor.");
  m.def("fetch_time_names", [] { return Registry::builtin().fetch_time_names(); },
        "(name, summary) of every built-in fetch-time predictor (mpc:ttp=NAME).");

  py::class_<CongestionController>(m, "CongestionController",
                                   "A built-in congestion controller (see make_cc): events in, update() out.")
      .def("on_packet_sent", [](CongestionController& c, std::uint64_t sequence, std::uint64_t size_bytes, double send_s) {
        if (!std::isfinite(send_s)) throw Error("on_packet_sent: send_s is not finite");
        c.on_packet_sent({sequence, size_bytes, send_s});
      }, py::arg("sequence"), py::arg("size_bytes"), py::arg("send_s"), "A packet left the sender.")
      .def("on_feedback", [](CongestionController& c, double receive_s,
                             const std::vector<std::tuple<std::uint64_t, std::uint64_t, double, bool, double>>& packets) {
        TransportFeedback fb;
        fb.receive_s = receive_s;
        for (const auto& [seq, size, send_s, lost, arrival_s] : packets) fb.packets.push_back({{seq, size, send_s}, lost, arrival_s});
        check_feedback(fb);
        c.on_feedback(fb);
      }, py::arg("receive_s"), py::arg("packets"),
         "Transport feedback: packets as (sequence, size_bytes, send_s, lost, arrival_s) in sequence order.")
      .def("on_rtt", [](CongestionController& c, double rtt_s, double now_s) {
        if (!(std::isfinite(rtt_s) && rtt_s > 0) || !std::isfinite(now_s)) throw Error("on_rtt: rtt_s must be finite and > 0");
        c.on_rtt(rtt_s, now_s);
      }, py::arg("rtt_s"), py::arg("now_s"), "A round-trip time sample.")
      .def("on_tick", [](CongestionController& c, double now_s) {
        if (!std::isfinite(now_s)) throw Error("on_tick: now_s is not finite");
        c.on_tick(now_s);
      }, py::arg("now_s"), "Periodic processing.")
      .def("update", [](const CongestionController& c) {
        const CcUpdate u = c.update();
        py::dict d;
        d["target_rate_bps"] = u.target_rate_bps; d["pacing_rate_bps"] = u.pacing_rate_bps;
        d["congestion_window_bytes"] = u.congestion_window_bytes;
        d["delay_estimate_bps"] = u.state.delay_estimate_bps; d["loss_estimate_bps"] = u.state.loss_estimate_bps;
        d["signal"] = u.state.signal; d["threshold"] = u.state.threshold;
        d["loss_fraction"] = u.state.loss_fraction; d["rtt_s"] = u.state.rtt_s; d["phase"] = std::string(u.state.phase);
        return d;
      }, "The current decision and state as a dict.")
      .def_property_readonly("name", &CongestionController::name);

  m.def("make_cc", [](const std::string& spec, double start_rate_bps, double min_rate_bps, double max_rate_bps,
                      const py::kwargs& options) {
    return make_cc(spec_with_options(spec, options).to_string(), CcConstraints{start_rate_bps, min_rate_bps, max_rate_bps});
  }, py::arg("spec"), py::arg("start_rate_bps") = 300e3, py::arg("min_rate_bps") = 50e3, py::arg("max_rate_bps") = 10e6,
        "Builds a congestion controller: make_cc('gcc', profile='draft02').");
  m.def("cc_names", [] { return Registry::builtin().cc_names(); }, "(name, summary) of every congestion controller.");
  m.def("cc_case_names", &cc_case_names, "Names of the built-in RFC 8867 cases.");
  m.def("run_cc_case", [](const std::string& name, const std::string& cc, double time_scale, bool keep_packets,
                          double interval_s, std::optional<std::filesystem::path> out) {
    return run_cc(make_cc_case(name, cc, time_scale), keep_packets, interval_s, out);
  }, py::arg("case"), py::arg("cc"), py::arg("time_scale") = 1.0, py::arg("keep_packets") = false,
        py::arg("interval_s") = 0.1, py::arg("out") = py::none(),
        "Runs a built-in case with every media flow under `cc`; returns metrics, flows and interval columns.");
  m.def("run_cc_trace", [](const NetworkTrace& trace, const std::string& cc, double duration_s, bool keep_packets,
                           double interval_s, std::optional<std::filesystem::path> out) {
    return run_cc(make_trace_case(trace, cc, duration_s), keep_packets, interval_s, out);
  }, py::arg("trace"), py::arg("cc"), py::arg("duration_s") = 0.0, py::arg("keep_packets") = false,
        py::arg("interval_s") = 0.1, py::arg("out") = py::none(),
        "One media flow under `cc` over a capacity trace (50 ms one-way delay, 300 ms queue).");

#ifdef STREAMOPT_HAVE_CODECS
  m.attr("HAVE_CODECS") = true;
  m.def("encode_ladder", [](const std::vector<std::filesystem::path>& inputs, const std::string& rungs,
                            const std::filesystem::path& out, const std::string& codec, const std::string& backend,
                            double segment_s, const std::string& preset, int threads, std::int64_t max_frames,
                            bool measure_quality, const std::string& av1_encoder, const std::string& name,
                            const std::optional<std::tuple<int, int, int, int>>& synthetic) {
    LadderOptions o;
    o.codec = parse_codec(codec);
    o.backend = parse_backend(backend);
    o.segment_s = segment_s;
    o.preset = preset;
    o.threads = threads;
    o.max_frames = max_frames;
    o.measure_quality = measure_quality;
    o.av1_encoder = av1_encoder;
    o.name = name;
    const auto ladder = parse_rungs(rungs);
    LadderResult r;
    {
      py::gil_scoped_release release;
      auto source = python_source(inputs, synthetic);
      r = encode_ladder(*source, ladder, o, out);
    }
    py::list segments;
    for (const EncodedSegment& e : r.segments) {
      py::dict d;
      d["rung"] = e.rung; d["segment"] = e.segment; d["codec"] = e.codec; d["target_bps"] = e.target_bps;
      d["actual_bps"] = e.actual_bps; d["peak_1s_bps"] = e.peak_1s_bps; d["size_bytes"] = e.size_bytes;
      d["frames"] = e.frames; d["keyframe"] = keyframe_name(e.keyframe); d["mean_psnr_db"] = e.mean_psnr_db;
      d["worst_psnr_db"] = e.worst_psnr_db; d["ssim"] = e.ssim; d["mean_qp"] = e.mean_qp; d["wall_s"] = e.wall_s;
      d["cpu_s"] = e.cpu_s; d["file"] = e.file;
      segments.append(d);
    }
    return segments;
  }, py::arg("inputs"), py::arg("rungs"), py::arg("out"), py::arg("codec") = "h264", py::arg("backend") = "libavcodec",
        py::arg("segment_s") = 4.0, py::arg("preset") = "", py::arg("threads") = 1, py::arg("max_frames") = 0,
        py::arg("measure_quality") = true, py::arg("av1_encoder") = "libsvtav1", py::arg("name") = "title",
        py::arg("synthetic") = py::none(),
        "Encodes a ladder ('640x360@800,1280x720@2500') into a manifest directory; returns one dict per segment.");
  m.def("encode_live", [](const std::vector<std::filesystem::path>& inputs, const std::string& codec,
                          const std::vector<std::pair<double, double>>& schedule, const std::string& backend, int width,
                          int height, const std::string& rate_mode, std::int64_t max_frames,
                          const std::optional<std::tuple<int, int, int, int>>& synthetic) {
    EncoderConfig c;
    c.codec = parse_codec(codec);
    c.backend = parse_backend(backend);
    c.width = width;
    c.height = height;
    c.rate_mode = parse_rate_mode(rate_mode);
    c.keyint_frames = 100000;
    std::vector<LiveFrame> frames;
    int fps = 0;
    {
      py::gil_scoped_release release;
      auto source = python_source(inputs, synthetic);
      fps = source->fps();
      frames = encode_live(*source, c, schedule, max_frames);
    }
    std::vector<double> pts, target, bytes;
    for (const LiveFrame& f : frames) {
      pts.push_back(static_cast<double>(f.pts));
      target.push_back(f.target_bps);
      bytes.push_back(static_cast<double>(f.bytes));
    }
    py::dict d;
    d["fps"] = fps; d["pts"] = to_array(pts); d["target_bps"] = to_array(target); d["bytes"] = to_array(bytes);
    return d;
  }, py::arg("inputs"), py::arg("codec"), py::arg("schedule"), py::arg("backend") = "libavcodec", py::arg("width") = 0,
        py::arg("height") = 0, py::arg("rate_mode") = "cbr", py::arg("max_frames") = 0, py::arg("synthetic") = py::none(),
        "Live encode following (time_s, target_bps) steps; per-frame pts, target and bytes as numpy arrays.");
  m.def("encode_hull", [](const std::vector<std::filesystem::path>& inputs, const std::vector<std::pair<int, int>>& resolutions,
                          const std::vector<int>& crfs, const std::string& codec, const std::string& backend,
                          const std::string& preset, std::int64_t max_frames, const std::vector<double>& targets_bps,
                          const std::optional<std::tuple<int, int, int, int>>& synthetic) {
    LadderOptions o;
    o.codec = parse_codec(codec);
    o.backend = parse_backend(backend);
    o.preset = preset;
    std::vector<RateQualityPoint> points;
    std::vector<Rung> rungs;
    {
      py::gil_scoped_release release;
      auto source = python_source(inputs, synthetic);
      std::vector<VideoFrame> frames;
      VideoFrame f;
      while ((max_frames <= 0 || static_cast<std::int64_t>(frames.size()) < max_frames) && source->next(f)) frames.push_back(f);
      points = rate_quality_grid(frames, source->fps(), resolutions, crfs, o);
      if (!targets_bps.empty()) rungs = pick_hull_rungs(points, targets_bps);
    }
    py::list out;
    for (const RateQualityPoint& p : points) {
      py::dict d;
      d["width"] = p.width; d["height"] = p.height; d["crf"] = p.crf; d["bitrate_bps"] = p.bitrate_bps;
      d["psnr_db"] = p.psnr_db; d["ssim"] = p.ssim; d["on_hull"] = p.on_hull;
      out.append(d);
    }
    std::string text;
    for (const Rung& r : rungs) text += fmt::format("{}{}x{}@{:.0f}", text.empty() ? "" : ",", r.width, r.height, r.bitrate_bps / 1e3);
    return py::make_tuple(out, text);
  }, py::arg("inputs"), py::arg("resolutions"), py::arg("crfs"), py::arg("codec") = "h264", py::arg("backend") = "libavcodec",
        py::arg("preset") = "", py::arg("max_frames") = 0, py::arg("targets_bps") = std::vector<double>{},
        py::arg("synthetic") = py::none(),
        "Rate-quality grid over resolutions x CRFs with the convex hull marked; returns (points, rungs picked for targets_bps).");
  m.def("bd_rate", &bd_rate_percent, py::arg("reference"), py::arg("test"),
        "Bjontegaard delta rate (%) of test against reference, each a list of (rate, PSNR) points.");
  m.def("ladder_rate_psnr", &ladder_rate_psnr, py::arg("dir"), "Per-rung (mean bitrate, mean PSNR-Y) of an encoded ladder.");
#else
  m.attr("HAVE_CODECS") = false;
#endif

  py::class_<BandwidthAllocator>(m, "Allocator",
                                 "A bandwidth allocator (see make_allocator): shares one edge link among sessions.")
      .def("allocate", [](BandwidthAllocator& a, double capacity_bps, const py::list& sessions) {
        const PyEdgeSessions in = edge_sessions(sessions);
        std::vector<EdgeAllocation> out(in.sessions.size());
        a.allocate(capacity_bps, in.sessions, out);
        py::list result;
        for (const EdgeAllocation& x : out) result.append(py::make_tuple(x.cap_bps, x.rate_bps));
        return result;
      }, py::arg("capacity_bps"), py::arg("sessions"),
         "Shares capacity_bps among sessions (dicts: bitrates_bps, and optionally utilities, max_rung, buffer_s,\n"
         "rung, throughput_bps, weight); returns one (cap_bps, rate_bps) per session, cap inf = no cap.")
      .def_property_readonly("name", &BandwidthAllocator::name);
  m.def("make_allocator", [](const std::string& spec, const py::kwargs& options) {
    return Registry::builtin().make_allocator(spec_with_options(spec, options).to_string());
  }, py::arg("spec"), "Builds a bandwidth allocator: make_allocator('maxmin', headroom=0.9).");
  m.def("allocator_names", [] { return Registry::builtin().allocator_names(); },
        "(name, summary) of every bandwidth allocator.");
  m.def("_simulate_edge", [](const NetworkTrace& trace, const std::vector<std::shared_ptr<Manifest>>& titles,
                             const std::string& allocator, const py::kwargs& options) {
    const EdgeSimConfig config = edge_config(options);
    std::vector<std::shared_ptr<const Manifest>> shared;
    for (std::size_t i = 0; i < titles.size(); ++i) {
      if (!titles[i]) throw Error(fmt::format("titles[{}] is None", i));
      shared.push_back(titles[i]);
    }
    EdgeRunResult result;
    {
      py::gil_scoped_release release;
      result = simulate_edge(trace, shared, allocator, config);
    }
    return edge_result_dict(result);
  }, py::arg("trace"), py::arg("titles"), py::arg("allocator") = "none");

  m.def("_simulate", [](const NetworkTrace& trace, const Manifest& manifest, const py::object& abr,
                        const std::string& mode, const std::string& qoe, const py::dict& settings) {
    const SimConfig config = sim_config(mode, settings);
    const QoeModel model(qoe, manifest);
    // A spec string, a built-in controller, or any Python object with the three methods.
    std::unique_ptr<AbrController> owned;
    AbrController* controller = nullptr;
    if (py::isinstance<py::str>(abr)) {
      owned = make_abr(abr.cast<std::string>(), std::make_shared<const Manifest>(manifest), qoe);
    } else if (py::isinstance<AbrController>(abr)) {
      controller = abr.cast<AbrController*>();
    } else {
      owned = std::make_unique<PyController>(abr, python_name(abr));
    }
    if (!controller) controller = owned.get();
    SessionResult result;
    {
      py::gil_scoped_release release;
      result = simulate(trace, manifest, *controller, config, model);
    }
    return session_dict(result);
  });

  m.def("_evaluate", [](const std::vector<std::pair<std::string, std::vector<NetworkTrace>>>& sets,
                        const Manifest& manifest, const std::vector<std::string>& specs,
                        const std::vector<std::pair<std::string, py::object>>& python_factories,
                        const std::string& mode, const std::string& qoe, unsigned threads,
                        const py::dict& settings, bool keep_segments) {
    Registry registry = Registry::builtin();
    for (const auto& [name, factory] : python_factories) {
      auto shared = share(factory);
      registry.add_abr(name, "Python controller", [shared, name = name](const BuildContext& context, const OptionMap&) {
        py::gil_scoped_acquire gil;
        try {
          return std::unique_ptr<AbrController>(std::make_unique<PyController>((*shared)(context.manifest()), name));
        } catch (py::error_already_set& e) {
          throw Error(fmt::format("{}: creating the controller: {}", name, e.what()));
        }
      });
    }
    EvaluationConfig config;
    for (const auto& s : specs) config.algorithms.push_back(parse_spec(s));
    config.sim = sim_config(mode, settings);
    config.qoe = qoe;
    config.threads = threads;
    config.registry = &registry;
    config.keep_segments = keep_segments;
    std::vector<TraceSet> trace_sets;
    for (const auto& [name, traces] : sets) trace_sets.push_back({name, traces});
    EvaluationResult result;
    {
      py::gil_scoped_release release;
      result = evaluate(trace_sets, manifest, config);
    }
    // NaN (undefined, e.g. % of oracle without an oracle) becomes None, as in results.json.
    const auto number = [](double v) { return std::isnan(v) ? py::object(py::none()) : py::object(py::float_(v)); };
    py::list rows;
    for (const auto& r : result.rows) {
      py::dict d;
      d["algorithm"] = r.algorithm; d["trace_set"] = r.trace_set; d["sessions"] = r.sessions;
      d["qoe_per_segment"] = r.qoe_per_segment; d["utility_per_segment"] = r.utility_per_segment;
      d["rebuffer_penalty_per_segment"] = r.rebuffer_penalty_per_segment;
      d["smoothness_penalty_per_segment"] = r.smoothness_penalty_per_segment;
      d["percent_of_oracle"] = number(r.percent_of_oracle); d["p10_session_qoe"] = number(r.p10_session_qoe);
      d["p50_session_qoe"] = number(r.p50_session_qoe); d["p90_session_qoe"] = number(r.p90_session_qoe);
      d["mean_bitrate_bps"] = r.mean_bitrate_bps; d["rebuffer_ratio"] = r.rebuffer_ratio;
      d["switches"] = r.switches;
      rows.append(d);
    }
    py::list sessions;
    for (const auto& s : result.sessions) {
      py::dict d = stats_dict(s.stats);
      d["algorithm"] = s.algorithm; d["trace_set"] = s.trace_set; d["trace"] = s.trace;
      sessions.append(d);
    }
    const std::string table = format_markdown_table(result);
    return py::make_tuple(rows, sessions, table, py::cast(std::move(result)));
  });

  py::class_<EvaluationResult>(m, "_EvaluationResult")
      .def("write", [](const EvaluationResult& r, const std::filesystem::path& dir, bool per_session) {
             EvaluationWriteOptions options;
             options.sessions_csv = per_session;
             write_evaluation(r, dir, options);
           },
           py::arg("dir"), py::arg("per_session") = false,
           "Writes table.md, results.csv, results.json (logs, and sessions.csv with per_session) as "
           "`streamopt evaluate --out` does.");
}
