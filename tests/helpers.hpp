#pragma once
// Shared test helpers: temporary directories and small files, skipping, and
// the shared data directory (STREAMOPT_DATA).

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <set>
#include <string>

#include <utility>
#include <vector>

#include "streamopt/abr.hpp"
#include "streamopt/error.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/trace.hpp"
#include "streamopt/types.hpp"

namespace streamopt::test {

// The envivio ladder (300, 750, 1200, 1850, 2850, 4300 kbit/s) as a synthetic
// 48-segment, 4 s title with exact sizes: the player-model tests' title.
inline const Manifest& envivio_ladder() {
  static const Manifest m = Manifest::synthetic({300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3}, 4.0, 48, 0.0);
  return m;
}

// A player state at segment 1 of 48 with `buffer_s` buffered after `last_rung`.
inline PlayerState state_at(double buffer_s, std::size_t last_rung, double now_s = 0) {
  PlayerState s;
  s.now_s = now_s;
  s.buffer_s = buffer_s;
  s.last_rung = last_rung;
  s.next_segment = 1;
  s.segments_left = 47;
  return s;
}

// A trace from sample times (s) and throughputs (Mbit/s).
inline NetworkTrace trace_mbps(std::vector<double> time_s, const std::vector<double>& mbps,
                               std::string name = "hand") {
  NetworkTrace trace;
  trace.name = std::move(name);
  trace.time_s = std::move(time_s);
  for (double v : mbps) trace.throughput_bps.push_back(v * 1e6);
  return trace;
}

// A controller that always decides one rung, wait and (live) playback rate,
// recording every state and report it was given.
class Scripted final : public AbrController {
 public:
  explicit Scripted(std::size_t rung, double delay_s = 0, double playback_rate = 0)
      : rung_(rung), delay_s_(delay_s), playback_rate_(playback_rate) {}
  void on_download(const DownloadReport& r) override { reports.push_back(r); }
  Decision decide(const PlayerState& s) override {
    states.push_back(s);
    Decision d;
    d.rung = rung_;
    d.delay_s = delay_s_;
    d.playback_rate = playback_rate_;
    return d;
  }
  void reset() override {
    reports.clear();
    states.clear();
  }
  [[nodiscard]] std::string name() const override { return "scripted"; }
  std::vector<DownloadReport> reports;  ///< every report, in order
  std::vector<PlayerState> states;      ///< every state decided on, in order

 private:
  std::size_t rung_;
  double delay_s_;
  double playback_rate_;
};

// The message of the Error `f` throws ("" when it throws none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("streamopt-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Writes `content` to `name` inside the directory and returns its path.
  std::filesystem::path write(const std::string& name, const std::string& content) const {
    const auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
    return p;
  }

 private:
  std::filesystem::path path_;
};

// Skipping (Catch2 v2 has none; see catch_main.cpp). The runner exits with
// kSkipExitCode when every test case that ran called skip() and none failed;
// tests/CMakeLists.txt gives such ctest entries SKIP_RETURN_CODE 77.
inline constexpr int kSkipExitCode = 77;

inline std::set<std::string>& ran_test_cases() {
  static std::set<std::string> names;
  return names;
}
inline std::set<std::string>& skipped_test_cases() {
  static std::set<std::string> names;
  return names;
}

// Marks the running test case skipped and shows why; the caller returns
// before asserting anything.
inline void skip(const std::string& why) {
  skipped_test_cases().insert(Catch::getResultCapture().getCurrentTestName());
  WARN("SKIPPED: " << why);
}

// The shared data directory from STREAMOPT_DATA, or empty when unset.
inline std::filesystem::path data_dir() {
  const char* v = std::getenv("STREAMOPT_DATA");
  return v && *v ? std::filesystem::path(v) : std::filesystem::path();
}

// The data directory for a test that reads `needed` (paths relative to it).
// STREAMOPT_DATA unset: the test is skipped and this returns an empty path.
// STREAMOPT_DATA set but a needed path missing: the test FAILS naming it (CI
// sets STREAMOPT_DATA; data that went missing there must not pass as skipped).
inline std::filesystem::path require_data(std::initializer_list<std::string> needed) {
  const std::filesystem::path root = data_dir();
  if (root.empty()) {
    skip("STREAMOPT_DATA is unset (set it to the shared data directory, e.g. ../shared, or a data/ "
         "fetched by scripts/fetch_data.sh)");
    return {};
  }
  for (const std::string& rel : needed) {
    if (!std::filesystem::exists(root / rel)) {
      FAIL("STREAMOPT_DATA=" << root.string() << " lacks " << rel
                             << ": the data this test needs went missing (unset STREAMOPT_DATA to skip it)");
    }
  }
  return root;
}

// Whether the reference simulator's logs `needed` (paths under reference/)
// are in `root`. They come only with the project's shared data: a directory
// made by scripts/fetch_data.sh has no reference/ folder, and then the test is
// skipped saying so, unless STREAMOPT_REQUIRE_REFERENCE=1 (scripts/test.sh
// sets it when the data is ../shared), which makes that a failure. When
// reference/ exists, a missing log is a failure.
inline bool have_reference_logs(const std::filesystem::path& root, std::initializer_list<std::string> needed) {
  const char* required = std::getenv("STREAMOPT_REQUIRE_REFERENCE");
  const bool must = required && std::string(required) == "1";
  if (!std::filesystem::is_directory(root / "reference") && !must) {
    skip("the reference logs are missing: " + (root / "reference").string() +
         " does not exist (a data/ from scripts/fetch_data.sh has no reference logs; they come with the shared "
         "data, ../shared)");
    return false;
  }
  for (const std::string& rel : needed) {
    if (!std::filesystem::exists(root / "reference" / rel)) {
      FAIL("STREAMOPT_DATA=" << root.string() << " lacks reference/" << rel << ": the reference logs went missing"
                             << (must ? " (STREAMOPT_REQUIRE_REFERENCE=1)" : ""));
    }
  }
  return true;
}

}  // namespace streamopt::test
