// Trace file formats: Pensieve cooked, Mahimahi and Sabre JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

namespace {

constexpr double kMahimahiPacketBytes = 1500.0;

void check_sample(std::string_view name, std::size_t line, double time_s, double value,
                  const std::vector<double>& times, const char* what) {
  const auto where = detail::location(name, line);
  if (time_s < 0) throw Error(fmt::format("{}: negative time {}", where, time_s));
  if (value < 0) throw Error(fmt::format("{}: negative {} {}", where, what, value));
  if (!times.empty() && time_s < times.back()) {
    throw Error(fmt::format("{}: time {} goes backwards (previous sample at {})", where, time_s,
                            times.back()));
  }
}

void check_count(std::string_view name, std::size_t samples) {
  if (samples == 0) throw Error(fmt::format("{}: empty trace (no samples)", name));
  if (samples == 1) throw Error(fmt::format("{}: a single sample is not a trace (need at least two)", name));
}

NetworkTrace parse_cooked(std::string_view text, std::string_view name) {
  NetworkTrace trace;
  for (const auto& line : detail::split_lines(text)) {
    const auto fields = detail::split_fields(line.text);
    const auto where = detail::location(name, line.number);
    if (fields.size() < 2) {
      throw Error(fmt::format("{}: expected 'time_s throughput_Mbps', got '{}'", where, line.text));
    }
    const double t = detail::parse_double(fields[0], where, "time");
    const double mbps = detail::parse_double(fields[1], where, "throughput");
    check_sample(name, line.number, t, mbps, trace.time_s, "throughput");
    trace.time_s.push_back(t);
    trace.throughput_bps.push_back(mbps * 1e6);
  }
  check_count(name, trace.time_s.size());
  return trace;
}

NetworkTrace parse_mahimahi(std::string_view text, std::string_view name, double bin_s) {
  if (!(bin_s > 0) || !std::isfinite(bin_s)) throw Error(fmt::format("{}: Mahimahi bin must be > 0 s", name));
  std::vector<double> times_ms;
  for (const auto& line : detail::split_lines(text)) {
    const auto fields = detail::split_fields(line.text);
    const auto where = detail::location(name, line.number);
    const double t_ms = static_cast<double>(detail::parse_uint(fields.at(0), where, "timestamp (ms)"));
    if (!times_ms.empty() && t_ms < times_ms.back()) {
      throw Error(fmt::format("{}: timestamp {} ms goes backwards (previous {} ms)", where, t_ms,
                              times_ms.back()));
    }
    times_ms.push_back(t_ms);
  }
  if (times_ms.empty()) throw Error(fmt::format("{}: empty trace (no samples)", name));
  const double end_s = std::max(times_ms.back() / 1000.0, bin_s);
  const double bin_count = std::ceil(end_s / bin_s - 1e-9);
  if (bin_count > static_cast<double>(kMaxTraceSamples)) {
    throw Error(fmt::format("{}: {} s in bins of {} s would exceed {} samples", name, end_s, bin_s, kMaxTraceSamples));
  }
  const auto bins = static_cast<std::size_t>(bin_count);
  std::vector<double> counts(bins, 0.0);
  for (double t_ms : times_ms) {
    // A delivery at time t belongs to the window that ends at or after t.
    auto bin = static_cast<std::size_t>(std::ceil(t_ms / 1000.0 / bin_s - 1e-9));
    bin = bin == 0 ? 0 : bin - 1;
    counts[std::min(bin, bins - 1)] += 1;
  }
  NetworkTrace trace;
  trace.time_s.push_back(0.0);
  trace.throughput_bps.push_back(counts[0] * kMahimahiPacketBytes * 8.0 / bin_s);
  for (std::size_t b = 0; b < bins; ++b) {
    trace.time_s.push_back(static_cast<double>(b + 1) * bin_s);
    trace.throughput_bps.push_back(counts[b] * kMahimahiPacketBytes * 8.0 / bin_s);
  }
  return trace;
}

NetworkTrace parse_sabre(std::string_view text, std::string_view name) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", name, e.what()));
  }
  if (!doc.is_array()) throw Error(fmt::format("{}: expected a JSON array of periods", name));
  NetworkTrace trace;
  double t = 0;
  std::size_t index = 0;
  for (const auto& entry : doc) {
    const auto field = [&](const char* key) {
      if (!entry.is_object() || !entry.contains(key) || !entry[key].is_number()) {
        throw Error(fmt::format("{}: entry {}: missing or non-numeric '{}'", name, index, key));
      }
      const double v = entry[key].get<double>();
      if (!std::isfinite(v) || v < 0) {
        throw Error(fmt::format("{}: entry {}: '{}' is negative ({})", name, index, key, v));
      }
      return v;
    };
    const double duration_ms = field("duration_ms");
    const double kbps = field("bandwidth_kbps");
    const double latency_ms = field("latency_ms");
    if (duration_ms <= 0) throw Error(fmt::format("{}: entry {}: duration_ms must be > 0", name, index));
    if (trace.time_s.empty()) {
      trace.time_s.push_back(0.0);
      trace.throughput_bps.push_back(kbps * 1000.0);
      trace.latency_s.push_back(latency_ms / 1000.0);
    }
    t += duration_ms / 1000.0;
    trace.time_s.push_back(t);
    trace.throughput_bps.push_back(kbps * 1000.0);
    trace.latency_s.push_back(latency_ms / 1000.0);
    ++index;
  }
  if (index == 0) throw Error(fmt::format("{}: empty trace (no periods)", name));
  return trace;
}

std::string format_cooked(const NetworkTrace& trace) {
  std::string out;
  for (std::size_t i = 0; i < trace.time_s.size(); ++i) {
    out += fmt::format("{}\t{}\n", trace.time_s[i], trace.throughput_bps[i] / 1e6);
  }
  return out;
}

std::string format_mahimahi(const NetworkTrace& trace) {
  std::string out;
  const double start = trace.time_s.front();
  double carried_bytes = 0;
  for (std::size_t i = 1; i < trace.time_s.size(); ++i) {
    const double bytes_per_ms = trace.throughput_bps[i] / 8.0 / 1000.0;
    const auto from_ms = static_cast<long long>(std::llround((trace.time_s[i - 1] - start) * 1000.0));
    const auto to_ms = static_cast<long long>(std::llround((trace.time_s[i] - start) * 1000.0));
    for (long long ms = from_ms; ms < to_ms; ++ms) {
      carried_bytes += bytes_per_ms;
      while (carried_bytes >= kMahimahiPacketBytes) {
        out += fmt::format("{}\n", ms + 1);
        carried_bytes -= kMahimahiPacketBytes;
      }
    }
  }
  if (out.empty()) throw Error(fmt::format("trace {}: too little throughput for one Mahimahi packet", trace.name));
  return out;
}

std::string format_sabre(const NetworkTrace& trace) {
  nlohmann::json doc = nlohmann::json::array();
  for (std::size_t i = 1; i < trace.time_s.size(); ++i) {
    const double duration_ms = (trace.time_s[i] - trace.time_s[i - 1]) * 1000.0;
    if (duration_ms <= 0) continue;  // Sabre has no zero-length periods
    const double latency_ms = trace.latency_s.empty() ? 0.0 : trace.latency_s[i] * 1000.0;
    doc.push_back({{"duration_ms", duration_ms},
                   {"bandwidth_kbps", trace.throughput_bps[i] / 1000.0},
                   {"latency_ms", latency_ms}});
  }
  return doc.dump(1) + "\n";
}

bool looks_like_mahimahi(std::string_view text) {
  const auto lines = detail::split_lines(text);
  if (lines.empty()) return false;
  const auto fields = detail::split_fields(lines.front().text);
  return fields.size() == 1 && fields[0].find_first_not_of("0123456789") == std::string_view::npos;
}

}  // namespace

double NetworkTrace::duration_s() const {
  return time_s.size() < 2 ? 0.0 : time_s.back() - time_s.front();
}

TraceFormat parse_trace_format(std::string_view text) {
  if (text == "auto") return TraceFormat::automatic;
  if (text == "cooked") return TraceFormat::cooked;
  if (text == "mahimahi") return TraceFormat::mahimahi;
  if (text == "sabre") return TraceFormat::sabre;
  throw Error(fmt::format("unknown trace format '{}' (known: auto, cooked, mahimahi, sabre)", text));
}

NetworkTrace parse_trace(std::string_view text, std::string_view name, TraceFormat format,
                         double mahimahi_bin_s) {
  if (format == TraceFormat::automatic) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '[') {
      format = TraceFormat::sabre;
    } else {
      format = looks_like_mahimahi(text) ? TraceFormat::mahimahi : TraceFormat::cooked;
    }
  }
  NetworkTrace trace;
  switch (format) {
    case TraceFormat::cooked: trace = parse_cooked(text, name); break;
    case TraceFormat::mahimahi: trace = parse_mahimahi(text, name, mahimahi_bin_s); break;
    case TraceFormat::sabre: trace = parse_sabre(text, name); break;
    case TraceFormat::automatic: break;
  }
  trace.name = std::string(name);
  if (!(trace.duration_s() > 0)) {
    throw Error(fmt::format("{}: the trace spans no time (all samples at {} s)", name, trace.time_s.front()));
  }
  return trace;
}

NetworkTrace read_trace(const std::filesystem::path& path, TraceFormat format, double mahimahi_bin_s) {
  if (format == TraceFormat::automatic && path.extension() == ".json") format = TraceFormat::sabre;
  NetworkTrace trace = parse_trace(detail::read_file(path), path.string(), format, mahimahi_bin_s);
  trace.name = path.filename().string();
  return trace;
}

void write_trace(const NetworkTrace& trace, const std::filesystem::path& path, TraceFormat format) {
  validate_trace(trace);
  std::string content;
  switch (format) {
    case TraceFormat::cooked: content = format_cooked(trace); break;
    case TraceFormat::mahimahi: content = format_mahimahi(trace); break;
    case TraceFormat::sabre: content = format_sabre(trace); break;
    case TraceFormat::automatic: throw Error("write_trace: choose a concrete format");
  }
  detail::write_file_atomic(path, content);
}

void validate_trace(const NetworkTrace& trace) {
  const auto name = trace.name.empty() ? std::string("<trace>") : trace.name;
  if (trace.time_s.size() != trace.throughput_bps.size()) {
    throw Error(fmt::format("trace {}: {} times but {} throughputs", name, trace.time_s.size(), trace.throughput_bps.size()));
  }
  if (!trace.latency_s.empty() && trace.latency_s.size() != trace.time_s.size()) {
    throw Error(fmt::format("trace {}: latency has {} samples, expected {}", name, trace.latency_s.size(), trace.time_s.size()));
  }
  if (trace.time_s.size() < 2) throw Error(fmt::format("trace {}: needs at least two samples", name));
  for (std::size_t i = 0; i < trace.time_s.size(); ++i) {
    const double t = trace.time_s[i];
    const double v = trace.throughput_bps[i];
    if (!std::isfinite(t) || !std::isfinite(v) || t < 0 || v < 0) {
      throw Error(fmt::format("trace {}: sample {} (time {}, throughput {}) is negative or not finite", name, i, t, v));
    }
    if (i > 0 && t < trace.time_s[i - 1]) {
      throw Error(fmt::format("trace {}: sample {} time {} goes backwards", name, i, t));
    }
  }
  if (!(trace.duration_s() > 0)) throw Error(fmt::format("trace {}: spans no time", name));
}

std::vector<std::filesystem::path> list_trace_files(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return {path};
  if (!std::filesystem::is_directory(path, ec)) {
    throw Error(fmt::format("{}: no such trace file or directory", path.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    const auto name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.empty() && name[0] != '.' && name.rfind("LICENSE", 0) != 0 &&
        name.rfind("README", 0) != 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(fmt::format("{}: directory holds no trace files", path.string()));
  return files;
}

}  // namespace streamopt
