// Predictor datasets (learn.hpp build_predictor_dataset, docs/formats.md
// "Predictor datasets"): sessions played with a behaviour controller or read
// from logs, one row per download after the first usable one, split by
// session with a seed (every session of one trace, under each behaviour
// policy, on the same side).
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

#include "core/text_io.hpp"
#include "model/download_history.hpp"
#include "predict/learned_features.hpp"
#include "sim/download_reports.hpp"
#include "streamopt/error.hpp"
#include "streamopt/learn.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::learn {

namespace {

// Sessions and, per session, its group: the trace (or log) it came from, so
// that the split keeps one trace's sessions under every policy together.
struct Sessions {
  std::vector<sim::ReportSession> sessions;
  std::vector<std::size_t> group;
  std::size_t groups = 0;
  std::size_t repeated = 0;  // trace files left out: their samples repeat an earlier one's
};

Sessions load_sessions(const DatasetOptions& o) {
  Sessions out;
  if (!o.traces.empty()) {
    if (o.video.empty()) throw Error("predictor dataset: --video is required to play --traces");
    auto manifest = std::make_shared<const Manifest>(Manifest::load(o.video));
    const QoeModel qoe("lin", *manifest);
    std::vector<NetworkTrace> traces;
    for (const auto& path : o.traces) traces.push_back(read_trace(path));
    // A trace given twice (overlapping directories) would land on both sides
    // of the split under two names: play it once.
    out.repeated = drop_repeated_traces(traces);
    for (const auto& spec : parse_spec_list(o.policy)) {
      auto abr = Registry::builtin().make_abr(spec.to_string(), manifest);
      for (std::size_t t = 0; t < traces.size(); ++t) {
        out.sessions.push_back(sim::play_reports(traces[t], *manifest, *abr, o.sim, qoe));
        out.sessions.back().source = traces[t].name;  // read_trace names it by its file name
        out.group.push_back(t);
      }
    }
    out.groups = traces.size();
  }
  for (const auto& path : o.logs) {
    out.sessions.push_back(sim::read_pensieve_log_reports(path));
    out.group.push_back(out.groups++);
  }
  if (out.sessions.empty()) throw Error("predictor dataset: no traces and no logs given");
  return out;
}

}  // namespace

PredictorDataset build_predictor_dataset(const DatasetOptions& options) {
  if (!(options.val_fraction >= 0 && options.val_fraction < 1)) {
    throw Error(fmt::format("predictor dataset: the validation fraction must be in [0, 1) (got {})",
                            options.val_fraction));
  }
  const Sessions loaded = load_sessions(options);
  const auto& sessions = loaded.sessions;
  // The split: groups (traces) shuffled with the seed, the first share validation.
  std::vector<std::size_t> order(loaded.groups);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::mt19937_64 rng(options.seed);
  std::shuffle(order.begin(), order.end(), rng);
  const auto val_groups =
      static_cast<std::size_t>(std::llround(options.val_fraction * double(loaded.groups)));
  std::vector<std::uint8_t> group_split(loaded.groups, 0);
  for (std::size_t i = 0; i < val_groups; ++i) group_split[order[i]] = 1;

  PredictorDataset data;
  data.repeated_traces = loaded.repeated;
  data.feature_names = predict::predictor_feature_names();
  std::vector<float> row;
  for (std::uint32_t s = 0; s < sessions.size(); ++s) {
    data.sessions.push_back(sessions[s].source);
    model::DownloadHistory history(predict::kPredictorHistory);
    for (const auto& report : sessions[s].reports) {
      if (report.usable_sample() && !history.reports().empty()) {
        predict::predictor_features(history.reports(), row);
        data.features.insert(data.features.end(), row.begin(), row.end());
        data.target_log_mbps.push_back(
            static_cast<float>(predict::log_mbps(report.throughput_bps())));
        data.size_bytes.push_back(static_cast<float>(report.size_bytes));
        data.download_s.push_back(static_cast<float>(report.download_time_s));
        data.session.push_back(s);
        data.segment.push_back(static_cast<std::uint32_t>(report.segment));
        data.split.push_back(group_split[loaded.group[s]]);
      }
      history.observe(report);
    }
  }
  if (data.rows() == 0)
    throw Error("predictor dataset: the sessions gave no row (each needs two usable downloads)");
  return data;
}

namespace {

// NPY v1.0: magic, version, little-endian u16 header length, a Python dict
// literal padded with spaces to a multiple of 64 bytes ending in '\n'.
std::string npy_float32(const std::vector<float>& values, std::size_t rows, std::size_t columns) {
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, columns);
  const std::size_t preamble = 10;
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  static_assert(sizeof(float) == 4);
  for (float v : values) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int b = 0; b < 4; ++b) out += static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  return out;
}

}  // namespace

void write_predictor_dataset(const PredictorDataset& data, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::size_t width = data.feature_names.size();
  std::vector<std::string> columns = {"session", "segment", "split"};
  columns.insert(columns.end(), data.feature_names.begin(), data.feature_names.end());
  columns.insert(columns.end(), {"size_bytes", "download_s", "target_log_mbps"});
  std::string csv = "trace";
  for (const auto& c : columns) csv += "," + c;
  csv += '\n';
  std::vector<float> matrix;
  matrix.reserve(data.rows() * columns.size());
  for (std::size_t r = 0; r < data.rows(); ++r) {
    csv += fmt::format("{},{},{},{}", data.sessions[data.session[r]], data.session[r],
                       data.segment[r], data.split[r] == 0 ? "train" : "val");
    matrix.push_back(static_cast<float>(data.session[r]));
    matrix.push_back(static_cast<float>(data.segment[r]));
    matrix.push_back(static_cast<float>(data.split[r]));
    for (std::size_t c = 0; c < width; ++c) {
      const float v = data.features[r * width + c];
      csv += fmt::format(",{}", v);
      matrix.push_back(v);
    }
    csv += fmt::format(",{},{},{}\n", data.size_bytes[r], data.download_s[r], data.target_log_mbps[r]);
    matrix.insert(matrix.end(), {data.size_bytes[r], data.download_s[r], data.target_log_mbps[r]});
  }
  std::string column_list;
  for (const auto& c : columns) column_list += c + '\n';
  std::string session_csv = "session,trace\n";
  for (std::size_t s = 0; s < data.sessions.size(); ++s)
    session_csv += fmt::format("{},{}\n", s, data.sessions[s]);
  detail::write_file_atomic(dir / "dataset.csv", csv);
  detail::write_file_atomic(dir / "features.npy", npy_float32(matrix, data.rows(), columns.size()));
  detail::write_file_atomic(dir / "columns.txt", column_list);
  detail::write_file_atomic(dir / "sessions.csv", session_csv);
}

}  // namespace streamopt::learn
