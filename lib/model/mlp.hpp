#pragma once
// A multilayer perceptron run with Eigen: input normalisation, ReLU hidden
// layers, a linear output layer. Loaded from a model file's entries under a
// prefix (docs/formats.md "Model files"):
//   PREFIX.layers           text, the number of linear layers L >= 1
//   PREFIX.input_mean       f32 [in]
//   PREFIX.input_scale      f32 [in]   (x - mean) * scale feeds layer 0
//   PREFIX.layerI.weight    f32 [out, in]  for I in 0..L-1
//   PREFIX.layerI.bias      f32 [out]
// The trainers write exactly this layout (LibTorch's nn::Linear order).

#include <Eigen/Core>
#include <string>
#include <vector>

#include "model/model_file.hpp"

namespace streamopt::model {

// Row-major float matrices: one input row per item (per rung, per sample).
using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Working memory of a forward pass, owned by the caller: one per thread (a
// controller keeps its own), so that one loaded model serves many sessions
// at once and a decision allocates nothing once the sizes are reached.
struct MlpScratch {
  Matrix a, b;
};

class Mlp {
 public:
  // Reads and checks the layers under `prefix` (shapes chain, sizes match,
  // every value finite); Error naming the file and entry otherwise.
  Mlp(const ModelFile& file, const std::string& prefix);

  // Inputs per row.
  [[nodiscard]] std::size_t input_size() const { return static_cast<std::size_t>(mean_.size()); }
  // Outputs per row.
  [[nodiscard]] std::size_t output_size() const { return static_cast<std::size_t>(biases_.back().size()); }

  // Forward pass of every row of `input` (rows x input_size) into `output`
  // (rows x output_size). Const and thread-safe: the state is in `scratch`.
  void forward(const Matrix& input, Matrix& output, MlpScratch& scratch) const;

 private:
  Eigen::RowVectorXf mean_, scale_;
  std::vector<Matrix> weights_;  // [out, in]
  std::vector<Eigen::RowVectorXf> biases_;
};

// Writes an MLP's entries under `prefix` (for the trainers and tests).
// `weights[i]` is [out x in] row-major, `biases[i]` [out].
void write_mlp(ModelFile& file, const std::string& prefix, const std::vector<float>& input_mean,
               const std::vector<float>& input_scale, const std::vector<std::vector<float>>& weights,
               const std::vector<std::vector<float>>& biases);

// Copies the MLP under `from_prefix` of `from` to `to_prefix` of `to` (Error
// naming `from` and the entry when it is not a valid MLP).
void copy_mlp(const ModelFile& from, const std::string& from_prefix, ModelFile& to, const std::string& to_prefix);

}  // namespace streamopt::model
