// Trace file formats: Pensieve cooked, Mahimahi and Sabre JSON.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"
#include "streamopt/trace.hpp"

namespace streamopt {

namespace {

constexpr double kMahimahiPacketBytes = 1500.0;

// Checks one parsed cooked sample against the previous ones and the limits;
// `where` is "file:line".
void check_sample(const std::string& where, double time_s, double mbps, const std::vector<double>& times) {
  if (time_s < 0) throw Error(fmt::format("{}: negative time {}", where, time_s));
  if (time_s > kMaxTraceTimeS) {
    throw Error(fmt::format("{}: time {} s is above the limit of {:g} s", where, time_s, kMaxTraceTimeS));
  }
  if (mbps < 0) throw Error(fmt::format("{}: negative throughput {}", where, mbps));
  if (mbps * 1e6 > kMaxThroughputBps) {
    throw Error(fmt::format("{}: throughput {} Mbps is above the limit of {:g} Mbps ({:g} bit/s)", where, mbps,
                            kMaxThroughputBps / 1e6, kMaxThroughputBps));
  }
  if (!times.empty() && time_s < times.back()) {
    throw Error(fmt::format("{}: time {} goes backwards (previous sample at {})", where, time_s, times.back()));
  }
  if (times.size() >= kMaxTraceSamples) {
    throw Error(fmt::format("{}: more than {} samples in one trace", where, kMaxTraceSamples));
  }
}

void check_count(std::string_view name, std::size_t samples) {
  if (samples == 0) throw Error(fmt::format("{}: empty trace (no samples)", name));
  if (samples == 1) throw Error(fmt::format("{}: a single sample is not a trace (need at least two)", name));
}

NetworkTrace parse_cooked(std::string_view text, std::string_view name) {
  NetworkTrace trace;
  detail::LineCursor cursor(text);
  for (detail::LineView line{}; cursor.next(line);) {
    const auto fields = detail::split_fields(line.text);
    const auto where = detail::location(name, line.number);
    if (fields.size() < 2) {
      throw Error(fmt::format("{}: expected 'time_s throughput_Mbps', got '{}'", where, detail::sanitize(line.text)));
    }
    const double t = detail::parse_double(fields[0], where, "time");
    const double mbps = detail::parse_double(fields[1], where, "throughput");
    check_sample(where, t, mbps, trace.time_s);
    trace.time_s.push_back(t);
    trace.throughput_bps.push_back(mbps * 1e6);
  }
  check_count(name, trace.time_s.size());
  return trace;
}

// Bins delivery opportunities as they are read, so memory is bounded by the
// number of bins (at most kMaxTraceSamples), not by the number of lines.
NetworkTrace parse_mahimahi(std::string_view text, std::string_view name, double bin_s) {
  if (!(bin_s > 0) || !std::isfinite(bin_s)) throw Error(fmt::format("{}: Mahimahi bin must be > 0 s", name));
  std::vector<double> counts;
  double last_ms = -1;
  detail::LineCursor cursor(text);
  for (detail::LineView line{}; cursor.next(line);) {
    const auto fields = detail::split_fields(line.text);
    const auto where = detail::location(name, line.number);
    const double t_ms = static_cast<double>(detail::parse_uint(fields.at(0), where, "timestamp (ms)"));
    if (t_ms < last_ms) {
      throw Error(fmt::format("{}: timestamp {} ms goes backwards (previous {} ms)", where, t_ms, last_ms));
    }
    last_ms = t_ms;
    // A delivery at time t belongs to the window that ends at or after t.
    const double bin_end = std::ceil(t_ms / 1000.0 / bin_s - 1e-9);
    if (!(bin_end <= static_cast<double>(kMaxTraceSamples))) {
      throw Error(fmt::format("{}: timestamp {} ms in bins of {} s would exceed {} samples", where, t_ms, bin_s,
                              kMaxTraceSamples));
    }
    if (t_ms / 1000.0 > kMaxTraceTimeS) {
      throw Error(fmt::format("{}: timestamp {} ms is above the limit of {:g} s", where, t_ms, kMaxTraceTimeS));
    }
    auto bin = static_cast<std::size_t>(bin_end);
    bin = bin == 0 ? 0 : bin - 1;
    if (bin >= counts.size()) counts.resize(bin + 1, 0.0);
    counts[bin] += 1;
  }
  if (last_ms < 0) throw Error(fmt::format("{}: empty trace (no samples)", name));
  const double end_s = std::max(last_ms / 1000.0, bin_s);
  const double bin_count = std::ceil(end_s / bin_s - 1e-9);
  if (!(bin_count <= static_cast<double>(kMaxTraceSamples))) {
    throw Error(fmt::format("{}: {} s in bins of {} s would exceed {} samples", name, end_s, bin_s, kMaxTraceSamples));
  }
  const auto bins = std::max<std::size_t>(1, static_cast<std::size_t>(bin_count));
  if (counts.size() > bins) {  // rounding at the last edge: the last bin takes the rest
    for (std::size_t b = bins; b < counts.size(); ++b) counts[bins - 1] += counts[b];
  }
  counts.resize(bins, 0.0);
  NetworkTrace trace;
  trace.time_s.push_back(0.0);
  trace.throughput_bps.push_back(counts[0] * kMahimahiPacketBytes * 8.0 / bin_s);
  for (std::size_t b = 0; b < bins; ++b) {
    trace.time_s.push_back(static_cast<double>(b + 1) * bin_s);
    trace.throughput_bps.push_back(counts[b] * kMahimahiPacketBytes * 8.0 / bin_s);
  }
  return trace;
}

// Streams a Sabre JSON array into samples without building a document, so
// memory follows the number of periods (capped) rather than the file size.
class SabreReader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  SabreReader(std::string_view text, std::string_view name) : text_(text), name_(name) {}

  NetworkTrace take() {
    if (index_ == 0) throw Error(fmt::format("{}: empty trace (no periods)", name_));
    return std::move(trace_);
  }

  bool null() override { return scalar(); }
  bool boolean(bool /*value*/) override { return scalar(); }
  bool number_integer(number_integer_t value) override { return number(static_cast<double>(value)); }
  bool number_unsigned(number_unsigned_t value) override { return number(static_cast<double>(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) override { return number(value); }
  bool string(string_t& /*value*/) override { return scalar(); }
  bool binary(binary_t& /*value*/) override { return scalar(); }

  bool start_object(std::size_t /*elements*/) override {
    if (depth_ == 0) not_an_array();
    if (depth_ == 1) {
      have_ = {false, false, false};
      values_ = {0, 0, 0};
    } else if (depth_ == 2) {
      nested_value();
    }
    return enter();
  }
  bool key(string_t& key) override {
    if (depth_ == 2) {
      field_ = -1;
      for (int i = 0; i < 3; ++i) {
        if (key == kFields[i]) field_ = i;
      }
    }
    return true;
  }
  bool end_object() override {
    --depth_;
    if (depth_ == 1) finish_period();
    return true;
  }
  bool start_array(std::size_t /*elements*/) override {
    if (depth_ == 1) not_an_object();
    if (depth_ == 2) nested_value();
    return enter();
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) override {
    // nlohmann's message quotes the offending token; give only the place.
    const auto at = detail::position_of(text_, position > 0 ? position - 1 : 0);
    throw Error(fmt::format("{}: invalid JSON ({} at column {})", detail::location(name_, at.line),
                            error.id == 406 ? "number out of range" : "syntax error", at.column));
  }

 private:
  static constexpr const char* kFields[3] = {"duration_ms", "bandwidth_kbps", "latency_ms"};
  static constexpr std::size_t kMaxDepth = 64;

  bool enter() {
    if (++depth_ > kMaxDepth) throw Error(fmt::format("{}: entry {}: JSON nested too deeply", name_, index_));
    return true;
  }
  [[noreturn]] void not_an_array() const { throw Error(fmt::format("{}: expected a JSON array of periods", name_)); }
  [[noreturn]] void not_an_object() const {
    throw Error(fmt::format("{}: entry {}: expected an object with duration_ms, bandwidth_kbps and latency_ms", name_,
                            index_));
  }
  // A container as the value of a key inside a period: fine for other keys
  // (skipped), an error for the three numeric ones.
  void nested_value() const {
    if (field_ >= 0) non_numeric(field_);
  }
  [[noreturn]] void non_numeric(int field) const {
    throw Error(fmt::format("{}: entry {}: missing or non-numeric '{}'", name_, index_, kFields[field]));
  }
  bool scalar() {
    if (depth_ == 0) not_an_array();
    if (depth_ == 1) not_an_object();
    if (depth_ == 2 && field_ >= 0) non_numeric(field_);
    return true;
  }
  bool number(double value) {
    if (depth_ != 2 || field_ < 0) return scalar();
    const auto f = static_cast<std::size_t>(field_);
    have_[f] = true;
    values_[f] = value;
    return true;
  }
  void finish_period() {
    for (std::size_t f = 0; f < 3; ++f) {
      if (!have_[f]) non_numeric(static_cast<int>(f));
      const double v = values_[f];
      if (!std::isfinite(v)) throw Error(fmt::format("{}: entry {}: '{}' is not finite", name_, index_, kFields[f]));
      if (v < 0) throw Error(fmt::format("{}: entry {}: '{}' is negative ({})", name_, index_, kFields[f], v));
    }
    const double duration_ms = values_[0];
    const double kbps = values_[1];
    const double latency_ms = values_[2];
    if (duration_ms <= 0) throw Error(fmt::format("{}: entry {}: duration_ms must be > 0", name_, index_));
    if (kbps * 1000.0 > kMaxThroughputBps) {
      throw Error(fmt::format("{}: entry {}: bandwidth_kbps {} is above the limit of {:g} kbps ({:g} bit/s)", name_,
                              index_, kbps, kMaxThroughputBps / 1000.0, kMaxThroughputBps));
    }
    if (latency_ms / 1000.0 > kMaxLatencyS) {
      throw Error(fmt::format("{}: entry {}: latency_ms {} is above the limit of {:g} ms", name_, index_, latency_ms,
                              kMaxLatencyS * 1000.0));
    }
    if (trace_.time_s.size() >= kMaxTraceSamples) {
      throw Error(fmt::format("{}: entry {}: more than {} samples in one trace", name_, index_, kMaxTraceSamples));
    }
    if (trace_.time_s.empty()) {
      trace_.time_s.push_back(0.0);
      trace_.throughput_bps.push_back(kbps * 1000.0);
      trace_.latency_s.push_back(latency_ms / 1000.0);
    }
    time_s_ += duration_ms / 1000.0;
    if (time_s_ > kMaxTraceTimeS) {
      throw Error(fmt::format("{}: entry {}: the trace reaches {} s, above the limit of {:g} s", name_, index_, time_s_,
                              kMaxTraceTimeS));
    }
    trace_.time_s.push_back(time_s_);
    trace_.throughput_bps.push_back(kbps * 1000.0);
    trace_.latency_s.push_back(latency_ms / 1000.0);
    ++index_;
  }

  std::string_view text_;
  std::string_view name_;
  NetworkTrace trace_;
  double time_s_ = 0;
  std::size_t index_ = 0;  // periods finished
  std::size_t depth_ = 0;
  int field_ = -1;         // which of kFields the current key names, -1 for none
  std::array<bool, 3> have_{};
  std::array<double, 3> values_{};
};

NetworkTrace parse_sabre(std::string_view text, std::string_view name) {
  SabreReader reader(text, name);
  nlohmann::json::sax_parse(text.begin(), text.end(), &reader);
  return reader.take();
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
  detail::LineCursor cursor(text);
  detail::LineView first{};
  if (!cursor.next(first)) return false;
  const auto fields = detail::split_fields(first.text);
  return fields.size() == 1 && fields[0].find_first_not_of("0123456789") == std::string_view::npos;
}

bool same_samples(const NetworkTrace& a, const NetworkTrace& b) {
  return a.time_s == b.time_s && a.throughput_bps == b.throughput_bps && a.latency_s == b.latency_s;
}

// FNV-1a over the samples' bytes (equal samples, equal hash).
std::uint64_t samples_hash(const NetworkTrace& t) {
  std::uint64_t h = 14695981039346656037ull;
  for (const auto* v : {&t.time_s, &t.throughput_bps, &t.latency_s}) {
    for (const double x : *v) {
      std::uint64_t bits = 0;
      std::memcpy(&bits, &x, sizeof bits);
      for (int i = 0; i < 8; ++i) h = (h ^ ((bits >> (8 * i)) & 0xffu)) * 1099511628211ull;
    }
    h = (h ^ 0xffu) * 1099511628211ull;  // separates the three vectors
  }
  return h;
}

}  // namespace

std::vector<std::size_t> repeated_traces(const std::vector<NetworkTrace>& traces) {
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> seen;
  std::vector<std::size_t> repeated;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    auto& same_hash = seen[samples_hash(traces[i])];
    if (std::any_of(same_hash.begin(), same_hash.end(),
                    [&](std::size_t j) { return same_samples(traces[j], traces[i]); })) {
      repeated.push_back(i);
    } else {
      same_hash.push_back(i);
    }
  }
  return repeated;
}

std::size_t drop_repeated_traces(std::vector<NetworkTrace>& traces) {
  const std::vector<std::size_t> repeated = repeated_traces(traces);
  std::vector<NetworkTrace> kept;
  kept.reserve(traces.size() - repeated.size());
  for (std::size_t i = 0, r = 0; i < traces.size(); ++i) {
    if (r < repeated.size() && repeated[r] == i) {
      ++r;
    } else {
      kept.push_back(std::move(traces[i]));
    }
  }
  traces = std::move(kept);
  return repeated.size();
}

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
  detail::check_text(text, name);
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
  NetworkTrace trace = parse_trace(detail::read_file(path, kMaxTraceFileBytes), path.string(), format, mahimahi_bin_s);
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
    if (!std::isfinite(t) || t < 0 || t > kMaxTraceTimeS) {
      throw Error(fmt::format("trace {}: sample {} time {} is {}", name, i, t,
                              std::isfinite(t) && t >= 0 ? fmt::format("above the limit of {:g} s", kMaxTraceTimeS)
                                                         : std::string("negative or not finite")));
    }
    if (!std::isfinite(v) || v < 0 || v > kMaxThroughputBps) {
      throw Error(fmt::format("trace {}: sample {} throughput {} bit/s is {}", name, i, v,
                              std::isfinite(v) && v >= 0 ? fmt::format("above the limit of {:g} bit/s", kMaxThroughputBps)
                                                         : std::string("negative or not finite")));
    }
    if (!trace.latency_s.empty()) {
      const double l = trace.latency_s[i];
      if (!std::isfinite(l) || l < 0 || l > kMaxLatencyS) {
        throw Error(fmt::format("trace {}: sample {} latency {} s is negative, not finite or above the limit of {:g} s",
                                name, i, l, kMaxLatencyS));
      }
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
    if (std::filesystem::exists(path, ec)) {
      throw Error(fmt::format("{}: not a regular file or directory (FIFOs, sockets and devices are not read)",
                              path.string()));
    }
    throw Error(fmt::format("{}: no such trace file or directory", path.string()));
  }
  std::vector<std::filesystem::path> files;
  std::filesystem::directory_iterator it(path, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    const auto name = it->path().filename().string();
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && !name.empty() && name[0] != '.' && name.rfind("LICENSE", 0) != 0 &&
        name.rfind("README", 0) != 0) {
      files.push_back(it->path());
    }
  }
  if (ec) throw Error(fmt::format("{}: cannot list the directory: {}", path.string(), ec.message()));
  std::sort(files.begin(), files.end());
  if (files.empty()) throw Error(fmt::format("{}: directory holds no trace files", path.string()));
  return files;
}

}  // namespace streamopt
