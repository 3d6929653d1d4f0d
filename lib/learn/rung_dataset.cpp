// Labelled decisions for the rung policies (see rung_dataset.hpp).
#include "learn/rung_dataset.hpp"

#include <algorithm>
#include <cmath>

#include "model/rung_features.hpp"
#include "streamopt/error.hpp"

namespace streamopt::learn {

void RungDataset::add(const std::vector<float>& rows, std::size_t rung_count, std::size_t expert_rung) {
  if (rung_count < model::kMinPolicyRungs || rung_count > model::kMaxPolicyRungs || expert_rung >= rung_count ||
      rows.size() != rung_count * model::rung_feature_count()) {
    throw Error("rung dataset: a decision needs 2-16 rungs, one feature row each and a label among them");
  }
  first_row.push_back(static_cast<std::uint32_t>(features.size() / model::rung_feature_count()));
  features.insert(features.end(), rows.begin(), rows.end());
  rungs.push_back(static_cast<std::uint8_t>(rung_count));
  label.push_back(static_cast<std::uint8_t>(expert_rung));
  for (std::size_t r = 0; r < rung_count; ++r) target.push_back(r == expert_rung ? 1.0f : 0.0f);
}

void RungDataset::add(const std::vector<float>& rows, const std::vector<double>& values, double temperature) {
  const auto best = static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
  if (values.empty() || !std::isfinite(values[best])) throw Error("rung dataset: the expert valued no rung");
  add(rows, values.size(), best);
  if (temperature <= 0) return;
  float* t = target.data() + target.size() - values.size();
  double sum = 0;
  for (std::size_t r = 0; r < values.size(); ++r) {
    const double p = std::isfinite(values[r]) ? std::exp((values[r] - values[best]) / temperature) : 0.0;
    t[r] = static_cast<float>(p);
    sum += p;
  }
  for (std::size_t r = 0; r < values.size(); ++r) t[r] = static_cast<float>(t[r] / sum);
}

void RungDataset::append(const RungDataset& other) {
  const auto offset = static_cast<std::uint32_t>(features.size() / model::rung_feature_count());
  features.insert(features.end(), other.features.begin(), other.features.end());
  for (const auto row : other.first_row) first_row.push_back(row + offset);
  rungs.insert(rungs.end(), other.rungs.begin(), other.rungs.end());
  label.insert(label.end(), other.label.begin(), other.label.end());
  target.insert(target.end(), other.target.begin(), other.target.end());
}

}  // namespace streamopt::learn
