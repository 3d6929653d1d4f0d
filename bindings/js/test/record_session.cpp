// Records sessions with the native engine for the WebAssembly test
// (bindings/js/test/wasm_decisions.test.mjs): a small player loop over a
// seeded synthetic link (capacity changing every second, RTT 80 ms, a 30 s
// buffer cap) asks bindings/js/streamopt_js.cpp -- the same code the WASM
// module runs -- for every decision and writes each state, decision and
// download report as JSON. The node test replays the states and reports
// through the WASM module and requires the same decisions, bit for bit.
//
//   record_session OUT.json SEGMENTS SEED SPEC [SPEC ...]
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "streamopt_js.h"

namespace {

using nlohmann::json;

// A deterministic 64-bit LCG (no <random>: its distributions differ by library).
struct Lcg {
  std::uint64_t state;
  double next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) / 9007199254740992.0;
  }
};

// Seconds to deliver `bytes` from `start` over a capacity that is constant within each second.
double transfer_time(const std::vector<double>& capacity_bps, double start, double bytes) {
  double bits = bytes * 8, t = start;
  for (;;) {
    const auto second = static_cast<std::size_t>(std::floor(t));
    const double rate = capacity_bps[second % capacity_bps.size()];
    const double span = std::floor(t) + 1 - t;
    if (rate * span >= bits) return t + bits / rate - start;
    bits -= rate * span;
    t = std::floor(t) + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: record_session OUT.json SEGMENTS SEED SPEC [SPEC ...]\n";
    return 2;
  }
  const std::string out_path = argv[1];
  const auto segments = static_cast<std::size_t>(std::strtoul(argv[2], nullptr, 10));
  Lcg rng{std::strtoull(argv[3], nullptr, 10)};
  const double duration = 4.0, rtt = 0.08, max_buffer = 30.0;
  const std::vector<double> bitrates = {300e3, 750e3, 1200e3, 1850e3, 2850e3, 4300e3};
  json sizes = json::array();
  for (std::size_t s = 0; s < segments; ++s) {
    json row = json::array();
    for (const double b : bitrates) row.push_back(static_cast<std::uint64_t>(b * duration / 8 * (0.75 + 0.5 * rng.next())));
    sizes.push_back(row);
  }
  const json manifest = {{"bitrates_bps", bitrates}, {"segment_duration_s", duration},
                         {"segment_count", segments}, {"sizes_bytes", sizes}};
  // A Markov-ish capacity: 200 seconds between 0.2 and 6 Mbit/s.
  std::vector<double> capacity;
  double level = 2e6;
  for (int i = 0; i < 200; ++i) {
    if (rng.next() < 0.2) level = 0.2e6 + 5.8e6 * rng.next();
    capacity.push_back(level * (0.8 + 0.4 * rng.next()));
  }
  const std::string manifest_text = manifest.dump();
  json doc = {{"manifest", manifest}, {"rtt_s", rtt}, {"sessions", json::array()}};
  for (int a = 4; a < argc; ++a) {
    const int h = sjs_create(argv[a], manifest_text.c_str(), nullptr);
    if (h == 0) {
      std::cerr << "record_session: " << argv[a] << ": " << sjs_last_error() << "\n";
      return 1;
    }
    json events = json::array();
    double now = 0, buffer = 0;
    json last_rung = nullptr;
    bool rebuffered = false;
    for (std::size_t seg = 0; seg < segments; ++seg) {
      json state = {{"now_s", now}, {"buffer_s", buffer}, {"next_segment", seg},
                    {"segments_left", segments - seg}, {"last_rung", last_rung}, {"rebuffered", rebuffered}};
      const char* decision = sjs_decide(h, state.dump().c_str());
      if (decision == nullptr) {
        std::cerr << "record_session: " << argv[a] << ": decide: " << sjs_last_error() << "\n";
        return 1;
      }
      const json d = json::parse(decision);
      events.push_back({{"state", state}, {"decision", d}});
      const double wait = d.at("delay_s").get<double>();
      now += wait;
      buffer = std::max(0.0, buffer - wait);
      const auto rung = d.at("rung").get<std::size_t>();
      const std::uint64_t size = sizes[seg][rung].get<std::uint64_t>();
      const double dt = rtt + transfer_time(capacity, now + rtt, static_cast<double>(size));
      const json report = {{"segment", seg}, {"rung", rung}, {"size_bytes", size},
                           {"start_time_s", now}, {"download_time_s", dt}};
      rebuffered = seg > 0 && dt > buffer;
      buffer = std::max(0.0, buffer - dt) + duration;
      now += dt;
      if (buffer > max_buffer) {
        now += buffer - max_buffer;
        buffer = max_buffer;
      }
      if (sjs_on_download(h, report.dump().c_str()) == 0) {
        std::cerr << "record_session: " << argv[a] << ": on_download: " << sjs_last_error() << "\n";
        return 1;
      }
      events.push_back({{"report", report}});
      last_rung = rung;
    }
    sjs_destroy(h);
    doc["sessions"].push_back({{"spec", argv[a]}, {"events", events}});
  }
  std::ofstream out(out_path);
  out << doc.dump(1) << "\n";
  if (!out.flush()) {
    std::cerr << "record_session: cannot write " << out_path << "\n";
    return 1;
  }
  return 0;
}
