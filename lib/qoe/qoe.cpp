#include "streamopt/qoe.hpp"

#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"
#include "streamopt/options.hpp"

namespace streamopt {

namespace {
// The MPC paper's QoE_hd utilities for the 300..4300 kbps ladder.
const std::vector<double> kHdUtilities = {1, 2, 3, 12, 15, 20};
}  // namespace

QoeModel::QoeModel(std::string_view spec_text, const Manifest& manifest) : manifest_(&manifest) {
  const AlgorithmSpec spec = parse_spec(spec_text);
  const OptionMap& o = spec.options;
  const std::size_t rungs = manifest.rung_count();
  double default_rebuffer = 4.3;
  if (spec.name == "lin") {
    kind_ = QoeKind::lin;
    for (const auto& r : manifest.rungs()) table_.push_back(r.bitrate_bps / 1e6);
  } else if (spec.name == "log") {
    kind_ = QoeKind::log;
    default_rebuffer = 2.66;
    for (const auto& r : manifest.rungs()) table_.push_back(std::log(r.bitrate_bps / manifest.rungs().front().bitrate_bps));
  } else if (spec.name == "hd") {
    kind_ = QoeKind::hd;
    default_rebuffer = 8.0;
    table_ = o.get_doubles("utilities", kHdUtilities);
    if (table_.size() != rungs) {
      throw Error(fmt::format("qoe hd: {} utilities for a {}-rung ladder; give utilities=a/b/c/...",
                              table_.size(), rungs));
    }
  } else if (spec.name == "quality") {
    kind_ = QoeKind::quality;
    if (!manifest.has_quality()) {
      throw Error("qoe quality: the manifest has no per-segment quality scores");
    }
  } else {
    throw Error(fmt::format("unknown QoE model '{}' (known: lin, log, hd, quality)", spec.name));
  }
  rebuffer_ = o.get_double("rebuffer", default_rebuffer);
  smoothness_ = o.get_double("smoothness", 1.0);
  if (rebuffer_ < 0 || smoothness_ < 0) throw Error(fmt::format("qoe {}: weights must be >= 0", spec.name));
  o.check_all_used();
  spec_ = fmt::format("{}:rebuffer={},smoothness={}", spec.name, rebuffer_, smoothness_);
}

double QoeModel::utility(std::size_t rung, std::size_t segment) const {
  if (kind_ == QoeKind::quality) return manifest_->segment_quality(segment, rung);
  if (rung >= table_.size()) throw Error(fmt::format("qoe: rung {} out of range", rung));
  return table_[rung];
}

QoeTerms QoeModel::segment(std::size_t rung, std::size_t prev_rung, std::size_t segment,
                           double rebuffer_s) const {
  QoeTerms t;
  t.utility = utility(rung, segment);
  t.rebuffer_penalty = rebuffer_ * rebuffer_s;
  if (prev_rung != kNoRung) {
    // Quality-based smoothness compares this segment's quality on both rungs.
    t.smoothness_penalty = smoothness_ * std::fabs(t.utility - utility(prev_rung, segment));
  }
  t.total = t.utility - t.rebuffer_penalty - t.smoothness_penalty;
  return t;
}

}  // namespace streamopt
