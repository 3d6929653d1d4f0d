#pragma once
// Labelled decisions for the rung policies: per decision, one feature row
// per rung (model/rung_features.hpp) and the rung the expert chose.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace streamopt::learn {

struct RungDataset {
  std::vector<float> features;          // all rows, row-major, rung_feature_count() wide
  std::vector<std::uint32_t> first_row; // per decision: its first row
  std::vector<std::uint8_t> rungs;      // per decision: rows (ladder size)
  std::vector<std::uint8_t> label;      // per decision: the expert's rung

  // Appends one decision (`rows` holds rungs x width features).
  void add(const std::vector<float>& rows, std::size_t rung_count, std::size_t expert_rung);
  // Appends every decision of `other`.
  void append(const RungDataset& other);
  // Decisions held.
  [[nodiscard]] std::size_t size() const { return label.size(); }
};

}  // namespace streamopt::learn
