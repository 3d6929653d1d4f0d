// Eigen inference of the learned models' multilayer perceptrons.
#include "model/mlp.hpp"

#include <fmt/format.h>

#include <cmath>

#include "streamopt/error.hpp"

namespace streamopt::model {

namespace {

constexpr std::size_t kMaxLayers = 16;
constexpr std::size_t kMaxWidth = 4096;

const FloatTensor& finite_tensor(const ModelFile& file, const std::string& name) {
  const FloatTensor& t = file.floats(name);
  for (const float v : t.values) {
    if (!std::isfinite(v)) throw Error(fmt::format("{}: model tensor '{}' holds a non-finite value", file.source(), name));
  }
  return t;
}

Eigen::RowVectorXf vector_of(const ModelFile& file, const std::string& name, std::size_t size) {
  const FloatTensor& t = finite_tensor(file, name);
  if (t.shape.size() != 1 || t.shape[0] != size) {
    throw Error(fmt::format("{}: model tensor '{}' must have shape [{}]", file.source(), name, size));
  }
  return Eigen::Map<const Eigen::RowVectorXf>(t.values.data(), static_cast<Eigen::Index>(size));
}

}  // namespace

Mlp::Mlp(const ModelFile& file, const std::string& prefix) {
  const std::size_t layers = file.count(prefix + ".layers");
  if (layers == 0 || layers > kMaxLayers) {
    throw Error(fmt::format("{}: model '{}.layers' must be 1 to {}", file.source(), prefix, kMaxLayers));
  }
  const FloatTensor& mean = file.floats(prefix + ".input_mean");
  if (mean.shape.size() != 1 || mean.shape[0] == 0 || mean.shape[0] > kMaxWidth) {
    throw Error(fmt::format("{}: model tensor '{}.input_mean' must be a vector of 1 to {} values", file.source(),
                            prefix, kMaxWidth));
  }
  std::size_t in = mean.shape[0];
  mean_ = vector_of(file, prefix + ".input_mean", in);
  scale_ = vector_of(file, prefix + ".input_scale", in);
  for (std::size_t i = 0; i < layers; ++i) {
    const std::string w_name = fmt::format("{}.layer{}.weight", prefix, i);
    const FloatTensor& w = finite_tensor(file, w_name);
    if (w.shape.size() != 2 || w.shape[1] != in || w.shape[0] == 0 || w.shape[0] > kMaxWidth) {
      throw Error(fmt::format("{}: model tensor '{}' must have shape [out, {}] with 1 <= out <= {}",
                              file.source(), w_name, in, kMaxWidth));
    }
    const std::size_t out = w.shape[0];
    weights_.emplace_back(Eigen::Map<const Matrix>(w.values.data(), static_cast<Eigen::Index>(out),
                                                   static_cast<Eigen::Index>(in)));
    biases_.push_back(vector_of(file, fmt::format("{}.layer{}.bias", prefix, i), out));
    in = out;
  }
}

void Mlp::forward(const Matrix& input, Matrix& output, MlpScratch& scratch) const {
  if (static_cast<std::size_t>(input.cols()) != input_size()) {
    throw Error(fmt::format("mlp: input has {} columns, the model expects {}", input.cols(), input_size()));
  }
  Matrix& a = scratch.a;
  Matrix& b = scratch.b;
  a = (input.rowwise() - mean_).array().rowwise() * scale_.array();
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    b.noalias() = a * weights_[i].transpose();
    b.rowwise() += biases_[i];
    if (i + 1 < weights_.size()) b = b.cwiseMax(0.0f);
    a.swap(b);
  }
  output = a;
}

void write_mlp(ModelFile& file, const std::string& prefix, const std::vector<float>& input_mean,
               const std::vector<float>& input_scale, const std::vector<std::vector<float>>& weights,
               const std::vector<std::vector<float>>& biases) {
  if (weights.size() != biases.size() || weights.empty()) throw Error("write_mlp: one bias per weight matrix");
  file.set_text(prefix + ".layers", std::to_string(weights.size()));
  const auto in = static_cast<std::uint32_t>(input_mean.size());
  file.set_floats(prefix + ".input_mean", {in}, input_mean);
  file.set_floats(prefix + ".input_scale", {static_cast<std::uint32_t>(input_scale.size())}, input_scale);
  std::uint32_t cols = in;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const auto rows = static_cast<std::uint32_t>(biases[i].size());
    file.set_floats(fmt::format("{}.layer{}.weight", prefix, i), {rows, cols}, weights[i]);
    file.set_floats(fmt::format("{}.layer{}.bias", prefix, i), {rows}, biases[i]);
    cols = rows;
  }
}

void copy_mlp(const ModelFile& from, const std::string& from_prefix, ModelFile& to, const std::string& to_prefix) {
  (void)Mlp(from, from_prefix);  // checked first: a bad layer count never sizes anything here
  const std::size_t layers = from.count(from_prefix + ".layers");
  to.set_text(to_prefix + ".layers", std::to_string(layers));
  std::vector<std::string> names = {".input_mean", ".input_scale"};
  for (std::size_t i = 0; i < layers; ++i) {
    names.push_back(fmt::format(".layer{}.weight", i));
    names.push_back(fmt::format(".layer{}.bias", i));
  }
  for (const auto& name : names) {
    const FloatTensor& t = from.floats(from_prefix + name);
    to.set_floats(to_prefix + name, t.shape, t.values);
  }
}

}  // namespace streamopt::model
