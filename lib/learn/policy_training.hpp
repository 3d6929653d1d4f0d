#pragma once
// What the rung-policy trainers (imitation, ppo, dqn) share: the
// training/validation split of the trace files, the validation QoE of a
// candidate policy, and a small parallel loop.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/rung_policy.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/simulator.hpp"
#include "streamopt/trace.hpp"

namespace streamopt::learn {

// Training and validation traces, read and checked.
struct TraceSplit {
  std::vector<NetworkTrace> train, val;
  std::vector<double> train_weight;  // per training trace: how often sessions draw it (relative)
  std::size_t repeated = 0;  // traces left out: their samples repeat another given trace's
};

// Reads `val` as the validation traces, or (when empty) holds back a seeded
// `val_fraction` of `traces` (whole traces, so no session is on both sides).
// A trace whose samples repeat another's (overlapping directories) is read
// once, so no trace is on both sides under two names; a training trace
// repeating a validation trace is left out. `weights` (one per file of
// `traces`, each > 0; empty = all 1) follow the training traces into
// `train_weight`. `trainer` names the caller in errors.
TraceSplit split_traces(const std::string& trainer, const std::vector<std::filesystem::path>& traces,
                        const std::vector<std::filesystem::path>& val, double val_fraction, std::uint64_t seed,
                        const std::vector<double>& weights = {});

// Checks what every rung-policy trainer needs before its long work: a time
// budget, a ladder the policies take, no live mode, and that the directory
// of `out` exists. Returns the manifest.
Manifest check_policy_training(const std::string& trainer, double minutes, const SimConfig& sim,
                               const std::filesystem::path& video, const std::filesystem::path& out);

// Mean QoE per segment of `policy` (greedy: its best-scored rung) over `traces`.
double validation_qoe(const std::vector<NetworkTrace>& traces, const Manifest& manifest, const SimConfig& sim,
                      const std::string& qoe, const std::shared_ptr<const model::RungPolicy>& policy,
                      unsigned threads);

// 0 = all hardware threads.
unsigned resolve_threads(unsigned threads);

// Runs `work(i)` for i in [0, n) on `threads` threads; rethrows the first failure.
template <class Work>
void parallel_for(std::size_t n, unsigned threads, const Work& work) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  const unsigned count = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n)));
  std::exception_ptr failure;
  std::mutex failure_mutex;
  for (unsigned t = 0; t < count; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) {
        try {
          work(i);
        } catch (...) {
          const std::lock_guard lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace streamopt::learn
