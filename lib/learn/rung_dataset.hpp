#pragma once
// Labelled decisions for the rung policies: per decision, one feature row
// per rung (model/rung_features.hpp), the expert's probability of each rung
// (a softmax of its values) and the rung it chose.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace streamopt::learn {

struct RungDataset {
  std::vector<float> features;          // all rows, row-major, rung_feature_count() wide
  std::vector<std::uint32_t> first_row; // per decision: its first row
  std::vector<std::uint8_t> rungs;      // per decision: rows (ladder size)
  std::vector<std::uint8_t> label;      // per decision: the expert's rung
  std::vector<float> target;            // per row: the expert's probability of that rung

  // Appends one decision (`rows` holds rungs x width features) with the
  // expert's rung as a one-hot target.
  void add(const std::vector<float>& rows, std::size_t rung_count, std::size_t expert_rung);
  // Appends one decision whose target is softmax(values / temperature) over
  // the rungs with a finite value (the expert's value of starting with each
  // rung); temperature 0 = one-hot on the best. Error when no value is finite.
  void add(const std::vector<float>& rows, const std::vector<double>& values, double temperature);
  // Appends every decision of `other`.
  void append(const RungDataset& other);
  // Decisions held.
  [[nodiscard]] std::size_t size() const { return label.size(); }
};

}  // namespace streamopt::learn
