// Fidelity tests against the public Pensieve reference simulator's logs.
// They read STREAMOPT_DATA (the shared data directory) and are skipped, with
// a warning, only when that variable is unset.
#include <catch2/catch.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>

#include "helpers.hpp"
#include "streamopt/streamopt.hpp"

using namespace streamopt;
namespace fs = std::filesystem;

namespace {

using Row = std::vector<double>;  // time_s bitrate_kbps buffer_s rebuffer_s chunk_bytes delay_ms reward

std::vector<Row> read_log(const fs::path& path) {
  std::ifstream in(path);
  std::vector<Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Row row(7);
    if (fields >> row[0] >> row[1] >> row[2] >> row[3] >> row[4] >> row[5] >> row[6]) rows.push_back(row);
  }
  return rows;
}

Row to_row(const SegmentRecord& r) {
  return {r.time_s, r.bitrate_bps / 1000.0, r.buffer_s, r.rebuffer_s, static_cast<double>(r.size_bytes),
          r.download_time_s * 1000.0, r.qoe.total};
}

bool close(double ours, double reference) {
  return std::fabs(ours - reference) <= 1e-6 * std::max(std::fabs(reference), 1e-3);
}

// Compares every column but time (the reference's clock runs on across traces).
std::size_t count_mismatches(const std::vector<SegmentRecord>& ours, const std::vector<Row>& ref, const std::string& name) {
  std::size_t bad = ours.size() == ref.size() ? 0 : 1;
  for (std::size_t i = 0; i < std::min(ours.size(), ref.size()); ++i) {
    const Row row = to_row(ours[i]);
    for (std::size_t c = 1; c < 7; ++c) {
      if (!close(row[c], ref[i][c])) {
        if (bad < 5) WARN(name << " chunk " << i << " column " << c << ": ours " << row[c] << " reference " << ref[i][c]);
        ++bad;
      }
    }
  }
  return bad;
}

struct Shared {
  fs::path root;
  Manifest manifest;
  std::vector<NetworkTrace> traces;  // fcc-hsdpa/test, sorted by name
};

const Shared* shared_data() {
  static const auto data = []() -> std::unique_ptr<Shared> {
    const fs::path root = test::data_dir();
    if (root.empty()) return nullptr;
    auto s = std::make_unique<Shared>(Shared{root, Manifest::load(root / "video/envivio"), {}});
    for (const auto& f : list_trace_files(root / "traces/fcc-hsdpa/test")) s->traces.push_back(read_trace(f));
    return s;
  }();
  if (!data) WARN("STREAMOPT_DATA is unset: reference test skipped");
  return data.get();
}

double mean_per_chunk(const std::vector<std::vector<Row>>& logs) {
  double sum = 0;
  for (const auto& log : logs) {
    for (std::size_t i = 1; i < log.size(); ++i) sum += log[i][6];
  }
  return sum / 47.0 / static_cast<double>(logs.size());
}

}  // namespace

TEST_CASE("Pensieve mode with bb.py reproduces every reference chunk on fcc-hsdpa/test", "[reference]") {
  const Shared* s = shared_data();
  if (!s) return;
  REQUIRE(s->traces.size() == 117);
  const QoeModel q("lin", s->manifest);
  auto bb = make_abr("bba:preset=pensieve,reservoir_s=5,cushion_s=10", s->manifest);
  std::size_t bad = 0;
  for (const auto& trace : s->traces) {
    const auto ref = read_log(s->root / "reference/pensieve/bb" / trace.name);
    bad += count_mismatches(simulate(trace, s->manifest, *bb, SimConfig::pensieve(), q).segments, ref, trace.name);
  }
  CHECK(bad == 0);
}

TEST_CASE("RobustMPC's pensieve preset reproduces the reference mpc.py", "[reference]") {
  const Shared* s = shared_data();
  if (!s) return;
  const QoeModel q("lin", s->manifest);
  // The reference ran the traces one after another in one process; its clock
  // column gives the order, and its error history carried over between them.
  std::vector<std::pair<double, const NetworkTrace*>> order;
  std::vector<std::vector<Row>> reference;
  for (const auto& trace : s->traces) {
    reference.push_back(read_log(s->root / "reference/pensieve/mpc" / trace.name));
    order.emplace_back(reference.back().at(0)[0], &trace);
  }
  std::sort(order.begin(), order.end());
  auto mpc = make_abr("robust_mpc:preset=pensieve,carry_history=true", s->manifest);
  std::size_t bad = 0;
  std::vector<std::vector<Row>> ours;
  for (const auto& [start, trace] : order) {
    const auto result = simulate(*trace, s->manifest, *mpc, SimConfig::pensieve(), q);
    bad += count_mismatches(result.segments, read_log(s->root / "reference/pensieve/mpc" / trace->name), trace->name);
    std::vector<Row> rows;
    for (const auto& r : result.segments) rows.push_back(to_row(r));
    ours.push_back(rows);
  }
  CHECK(bad == 0);
  const double reference_mean = mean_per_chunk(reference);
  CHECK(reference_mean == Approx(0.918).margin(0.001));
  CHECK(mean_per_chunk(ours) == Approx(reference_mean).epsilon(0.01));
}

TEST_CASE("The oracle beats or ties every online controller on every fcc-hsdpa/test trace", "[reference][oracle]") {
  const Shared* s = shared_data();
  if (!s) return;
  EvaluationConfig c;
  c.sim = SimConfig::pensieve();
  std::string all;
  for (const auto& [name, summary] : Registry::builtin().abr_names()) all += name + ",";
  c.algorithms = parse_spec_list(all + "bba:preset=pensieve,robust_mpc:preset=pensieve,bola:variant=basic,oracle");
  const auto r = evaluate({TraceSet{"fcc-hsdpa/test", s->traces}}, s->manifest, c);
  std::map<std::string, double> oracle;
  for (const auto& session : r.sessions) {
    if (session.algorithm == "oracle") oracle[session.trace] = session.stats.qoe_sum_pensieve;
  }
  REQUIRE(oracle.size() == 117);
  std::size_t beaten = 0;
  for (const auto& session : r.sessions) {
    if (session.stats.qoe_sum_pensieve > oracle[session.trace] + 1e-9) {
      WARN(session.algorithm << " beats the oracle on " << session.trace);
      ++beaten;
    }
  }
  CHECK(beaten == 0);
}
