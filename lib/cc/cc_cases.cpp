// The RFC 8867 test cases and trace-driven cases of the link simulator.
#include <fmt/format.h>

#include <cmath>
#include <functional>
#include <map>

#include "streamopt/cc_sim.hpp"
#include "streamopt/error.hpp"

namespace streamopt {
namespace {

// RFC 8867 section 5 defaults: 50 ms one-way delay, 300 ms drop-tail queue.
constexpr double kDefaultDelayS = 0.05;
constexpr double kDefaultQueueS = 0.3;

FlowConfig media_flow(const std::string& cc, double start_s = 0) {
  FlowConfig f;
  f.kind = FlowKind::media;
  f.cc = cc;
  f.start_s = start_s;
  f.one_way_delay_s = kDefaultDelayS;
  return f;
}

CcCase base_case(std::string name, std::string description, double duration_s, NetworkTrace capacity) {
  CcCase c;
  c.name = std::move(name);
  c.description = std::move(description);
  c.duration_s = duration_s;
  c.link.capacity = std::move(capacity);
  c.link.capacity.name = c.name;
  c.link.queue_limit_s = kDefaultQueueS;
  return c;
}

CcCase case_5_1(const std::string& cc) {
  CcCase c = base_case("rfc8867-5.1", "one flow, capacity 1.0/2.5/0.6/1.0 Mbps at 0/40/60/80 s", 100,
                       piecewise_capacity({0, 40, 60, 80}, {1.0e6, 2.5e6, 0.6e6, 1.0e6}, 100));
  c.flows = {media_flow(cc)};
  return c;
}

CcCase case_5_2(const std::string& cc) {
  CcCase c = base_case("rfc8867-5.2", "two flows, capacity 4.0/2.0/3.5/1.0/2.0 Mbps every 25 s", 125,
                       piecewise_capacity({0, 25, 50, 75, 100}, {4.0e6, 2.0e6, 3.5e6, 1.0e6, 2.0e6}, 125));
  c.flows = {media_flow(cc), media_flow(cc)};
  return c;
}

CcCase case_5_4(const std::string& cc) {
  CcCase c = base_case("rfc8867-5.4", "three flows on 3.5 Mbps starting at 0/20/40 s", 120,
                       piecewise_capacity({0}, {3.5e6}, 120));
  c.flows = {media_flow(cc, 0), media_flow(cc, 20), media_flow(cc, 40)};
  return c;
}

CcCase case_5_5(const std::string& cc) {
  CcCase c = base_case("rfc8867-5.5", "five flows on 4 Mbps, one-way delays 10/25/50/100/150 ms", 300,
                       piecewise_capacity({0}, {4.0e6}, 300));
  for (double delay_s : {0.010, 0.025, 0.050, 0.100, 0.150}) {
    FlowConfig f = media_flow(cc);
    f.one_way_delay_s = delay_s;
    c.flows.push_back(f);
  }
  return c;
}

CcCase case_5_6(const std::string& cc, double queue_s) {
  CcCase c = base_case(fmt::format("rfc8867-5.6-{}ms", std::lround(queue_s * 1e3)),
                       fmt::format("one media flow against one long TCP flow on 2 Mbps, {} ms queue",
                                   std::lround(queue_s * 1e3)),
                       120, piecewise_capacity({0}, {2.0e6}, 120));
  c.link.queue_limit_s = queue_s;
  FlowConfig tcp;
  tcp.kind = FlowKind::tcp;
  tcp.cc = "";
  tcp.start_s = 5;
  tcp.one_way_delay_s = kDefaultDelayS;
  c.flows = {media_flow(cc), tcp};
  return c;
}

CcCase case_5_8(const std::string& cc) {
  CcCase c = base_case("rfc8867-5.8", "three flows on 3.5 Mbps, flow 0 paused from 40 to 60 s", 120,
                       piecewise_capacity({0}, {3.5e6}, 120));
  c.flows = {media_flow(cc), media_flow(cc), media_flow(cc)};
  c.flows[0].pause_start_s = 40;
  c.flows[0].pause_end_s = 60;
  return c;
}

const std::map<std::string, std::function<CcCase(const std::string&)>>& case_table() {
  static const std::map<std::string, std::function<CcCase(const std::string&)>> table = {
      {"rfc8867-5.1", case_5_1},
      {"rfc8867-5.2", case_5_2},
      {"rfc8867-5.4", case_5_4},
      {"rfc8867-5.5", case_5_5},
      {"rfc8867-5.6-300ms", [](const std::string& cc) { return case_5_6(cc, 0.3); }},
      {"rfc8867-5.6-1000ms", [](const std::string& cc) { return case_5_6(cc, 1.0); }},
      {"rfc8867-5.8", case_5_8},
  };
  return table;
}

void scale_times(CcCase& c, double k) {
  c.duration_s *= k;
  for (double& t : c.link.capacity.time_s) t *= k;
  for (FlowConfig& f : c.flows) {
    f.start_s *= k;
    if (std::isfinite(f.stop_s)) f.stop_s *= k;
    if (f.pause_start_s >= 0) {
      f.pause_start_s *= k;
      f.pause_end_s *= k;
    }
  }
}

}  // namespace

NetworkTrace piecewise_capacity(const std::vector<double>& times_s, const std::vector<double>& rates_bps,
                                double end_s) {
  if (times_s.empty() || times_s.size() != rates_bps.size() || times_s.front() != 0) {
    throw Error("piecewise capacity: need as many times as rates, starting at 0");
  }
  NetworkTrace t;
  t.name = "piecewise";
  t.time_s.push_back(0);
  t.throughput_bps.push_back(rates_bps.front());
  for (std::size_t i = 0; i < times_s.size(); ++i) {
    const double until = i + 1 < times_s.size() ? times_s[i + 1] : end_s;
    if (!(until > times_s[i])) throw Error("piecewise capacity: times must increase and end after the last one");
    t.time_s.push_back(until);
    t.throughput_bps.push_back(rates_bps[i]);
  }
  validate_trace(t);
  return t;
}

std::vector<std::string> cc_case_names() {
  std::vector<std::string> names;
  for (const auto& [name, make] : case_table()) names.push_back(name);
  return names;
}

CcCase make_cc_case(const std::string& name, const std::string& cc, double time_scale) {
  const auto it = case_table().find(name);
  if (it == case_table().end()) {
    throw Error(fmt::format("unknown cc case '{}' (known: {})", name, fmt::join(cc_case_names(), ", ")));
  }
  if (!(time_scale > 0 && time_scale <= 1)) throw Error("cc case: time_scale must be in (0, 1]");
  CcCase c = it->second(cc);
  if (time_scale != 1) scale_times(c, time_scale);
  return c;
}

CcCase make_trace_case(const NetworkTrace& capacity, const std::string& cc, double duration_s) {
  validate_trace(capacity);
  const double length_s = capacity.time_s.back() - capacity.time_s.front();
  CcCase c = base_case("trace:" + capacity.name, "one flow over a capacity trace",
                       duration_s > 0 ? duration_s : length_s, capacity);
  c.link.capacity.name = capacity.name;
  c.flows = {media_flow(cc)};
  return c;
}

}  // namespace streamopt
