#include "serve/origin.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/text_io.hpp"
#include "serve/cmcd.hpp"
#include "serve/cmsd.hpp"
#include "serve/request_error.hpp"
#include "streamopt/error.hpp"
#include "streamopt/options.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/validate.hpp"

namespace streamopt::serve {

namespace {

// Directory entries scanned at most to find a rung directory's first
// segment number (a title has hundreds of segments, not millions).
constexpr std::size_t kMaxScannedEntries = 100'000;

// Extensions of media segment files (when CMCD does not say `ot`).
constexpr std::array<std::string_view, 6> kMediaExtensions = {".m4s", ".mp4", ".m4v", ".cmfv", ".ts", ".webm"};

// CMSD's token for video objects (`ot`) and video-on-demand streams (`st`).
constexpr std::string_view kVideoToken = "v";

constexpr std::string_view kAllowedMethods = "GET, HEAD, OPTIONS";
constexpr std::string_view kAllowedRequestHeaders = "CMCD-Request, CMCD-Object, CMCD-Status, CMCD-Session, Range";
constexpr std::string_view kExposedHeaders = "CMSD-Dynamic, CMSD-Static, Content-Length, Content-Range, Accept-Ranges";
constexpr std::string_view kPreflightMaxAgeS = "86400";

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return lowercase(a) == lowercase(b); }

std::optional<std::string_view> header(const HttpRequest& request, std::string_view name) {
  for (const HttpHeader& h : request.headers) {
    if (iequals(h.name, name)) return h.value;
  }
  return std::nullopt;
}

// The last run of digits in `stem` ("seg_12" -> 12, "chunk-stream0-00012" -> 12).
std::optional<std::uint64_t> last_number(std::string_view stem) {
  std::size_t end = stem.size();
  while (end > 0 && !(stem[end - 1] >= '0' && stem[end - 1] <= '9')) --end;
  std::size_t begin = end;
  while (begin > 0 && stem[begin - 1] >= '0' && stem[begin - 1] <= '9') --begin;
  if (begin == end || end - begin > 15) return std::nullopt;
  std::uint64_t n = 0;
  for (std::size_t i = begin; i < end; ++i) n = n * 10 + static_cast<std::uint64_t>(stem[i] - '0');
  return n;
}

bool is_init_name(const std::filesystem::path& file) { return lowercase(file.filename().string()).rfind("init", 0) == 0; }

// A media segment: a media extension and a name that does not start with "init".
bool is_media_segment(const std::filesystem::path& file) {
  const std::string ext = lowercase(file.extension().string());
  return std::find(kMediaExtensions.begin(), kMediaExtensions.end(), ext) != kMediaExtensions.end() &&
         !is_init_name(file);
}

// A video segment request: CMCD `ot` says video (v, av), or without `ot` a
// media segment's name.
bool is_video_segment(const std::filesystem::path& file, const CmcdData& cmcd) {
  if (cmcd.ot) return *cmcd.ot == "v" || *cmcd.ot == "av";
  return is_media_segment(file);
}

}  // namespace

void add_cors_headers(HttpResponse& response) {
  response.headers.emplace_back("Access-Control-Allow-Origin", "*");
  response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposedHeaders));
}

Origin::Origin(const std::filesystem::path& dir, const TitleMap& titles, std::string abr_spec,
               ServiceMetrics& metrics, std::size_t max_sessions, double session_ttl_s,
               std::function<double()> clock_s)
    : files_(dir),
      abr_spec_(std::move(abr_spec)),
      decisions_total_(nullptr),
      metrics_(metrics),
      sessions_(max_sessions, session_ttl_s),
      clock_s_(std::move(clock_s)) {
  for (const std::string& title : files_.titles()) {
    if (const auto it = titles.find(title); it != titles.end()) {
      manifests_.emplace(title, it->second);
      continue;
    }
    const std::filesystem::path ladder = files_.root() / title / "ladder.json";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(ladder, ec)) continue;
    auto manifest = std::make_shared<const Manifest>(Manifest::load(files_.root() / title));
    manifests_.emplace(title, std::move(manifest));
  }
  // The spec must build (checked on a stand-in title when no title has a manifest).
  const auto check = [this](const std::shared_ptr<const Manifest>& manifest) {
    try {
      (void)Registry::builtin().make_abr(abr_spec_, manifest);
    } catch (const Error& e) {
      throw Error(fmt::format("--origin-abr '{}': {}", abr_spec_, e.what()));
    }
  };
  check(std::make_shared<const Manifest>(Manifest::synthetic_default(1)));
  for (const auto& [title, manifest] : manifests_) check(manifest);
  decisions_total_ = metrics_.decisions_counter(parse_spec(abr_spec_).name);
}

std::size_t Origin::expire_idle(double now_s) {
  const std::size_t expired = sessions_.expire(now_s);
  metrics_.record_origin_sessions_expired(expired);
  return expired;
}

std::size_t Origin::session_count() const { return sessions_.size(); }

HttpResponse Origin::handle(const HttpRequest& request, std::string_view rest, std::string_view query) {
  metrics_.record_origin_request();
  const std::string_view method = request.method;
  if (method == "OPTIONS") {  // CORS preflight (a player sending CMCD-* headers or Range)
    HttpResponse r;
    r.status = 204;
    r.content_type.clear();
    r.origin = true;
    r.headers.emplace_back("Access-Control-Allow-Methods", std::string(kAllowedMethods));
    r.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowedRequestHeaders));
    r.headers.emplace_back("Access-Control-Max-Age", std::string(kPreflightMaxAgeS));
    return r;
  }
  if (method != "GET" && method != "HEAD") {
    RequestError e(405, ErrorKind::method_not_allowed,
                   fmt::format("method {} is not allowed on /media/ (allowed: {})", detail::sanitize(method),
                               kAllowedMethods));
    e.headers.emplace_back("Allow", std::string(kAllowedMethods));
    throw e;
  }
  // CMCD first: a malformed one is counted and ignored, never an error.
  CmcdData cmcd;
  try {
    cmcd = read_cmcd(query, request.headers);
    if (cmcd.keys > 0) metrics_.record_cmcd(false);
  } catch (const Error&) {
    metrics_.record_cmcd(true);
    cmcd = CmcdData{};
  }
  const OriginFile file = files_.open(rest);
  const std::uint64_t size = file.file->size_bytes();
  HttpResponse r;
  r.origin = true;
  r.content_type = std::string(content_type_for(file.path));
  r.headers.emplace_back("Accept-Ranges", "bytes");
  r.headers.emplace_back("Cache-Control", "no-store");
  ByteRange range{0, size};
  if (const auto value = header(request, "Range")) {
    const RangeRequest asked = parse_range(*value, size);
    if (asked.unsatisfiable) {
      RequestError e(416, ErrorKind::bad_request,
                     fmt::format("range '{}' is not satisfiable for a file of {} bytes", detail::sanitize(*value),
                                 size));
      e.headers.emplace_back("Content-Range", fmt::format("bytes */{}", size));
      throw e;
    }
    if (asked.range) {
      range = *asked.range;
      r.status = 206;
      r.headers.emplace_back("Content-Range",
                             fmt::format("bytes {}-{}/{}", range.offset, range.offset + range.length - 1, size));
    }
  }
  const bool send = method == "GET";
  r.file = FileBody{file.file, range.offset, range.length, send, is_media_segment(file.path)};
  if (send) {
    metrics_.record_origin_bytes(range.length);
    track(file, range.length, cmcd, r);
  }
  return r;
}

std::optional<std::size_t> Origin::segment_index(const std::filesystem::path& file, const Manifest& manifest) {
  const auto number = last_number(file.stem().string());
  if (!number) return std::nullopt;
  const std::filesystem::path dir = file.parent_path();
  std::optional<std::uint64_t> first;
  {
    const std::lock_guard lock(first_numbers_mutex_);
    if (const auto it = first_numbers_.find(dir); it != first_numbers_.end()) {
      first = it->second;
    } else {
      const std::string ext = lowercase(file.extension().string());
      std::error_code ec;
      std::size_t scanned = 0;
      for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        if (++scanned > kMaxScannedEntries) break;
        const std::filesystem::path& p = entry.path();
        if (lowercase(p.extension().string()) != ext || is_init_name(p)) continue;
        const auto n = last_number(p.stem().string());
        if (n && (!first || *n < *first)) first = n;
      }
      first_numbers_.emplace(dir, first);
    }
  }
  if (!first || *number < *first) return std::nullopt;
  const std::uint64_t index = *number - *first;
  if (index >= manifest.segment_count()) return std::nullopt;
  return static_cast<std::size_t>(index);
}

void Origin::track(const OriginFile& file, std::uint64_t body_bytes, const CmcdData& cmcd, HttpResponse& response) {
  if (!cmcd.sid || cmcd.sid->empty() || !is_video_segment(file.path, cmcd)) return;
  const auto manifest_it = manifests_.find(file.title);
  if (manifest_it == manifests_.end()) return;
  const Manifest& manifest = *manifest_it->second;
  const auto segment = segment_index(file.path, manifest);
  if (!segment) return;
  const double now_s = clock_s_();
  std::shared_ptr<OriginSession> session = sessions_.find(*cmcd.sid, now_s);
  if (!session || session->title() != file.title) {
    auto controller = checked_controller(Registry::builtin().make_abr(abr_spec_, manifest_it->second),
                                         manifest_it->second);
    session = std::make_shared<OriginSession>(file.title, manifest_it->second, std::move(controller), now_s);
    const auto outcome = sessions_.put(*cmcd.sid, session, now_s);
    metrics_.record_origin_sessions_expired(outcome.expired);
    if (!outcome.stored) return;  // full: served without a session
    metrics_.record_origin_session_created();
  }
  // The rung: nearest to CMCD `br`, else the rung whose size of this segment is nearest the body's.
  std::size_t rung = 0;
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t r = 0; r < manifest.rung_count(); ++r) {
    const double distance = cmcd.br_kbps ? std::abs(manifest.bitrate_bps(r) / 1e3 - static_cast<double>(*cmcd.br_kbps))
                                         : std::abs(static_cast<double>(manifest.segment_size_bytes(*segment, r)) -
                                                    static_cast<double>(body_bytes));
    if (distance < best) {
      best = distance;
      rung = r;
    }
  }
  MediaRequest request;
  request.segment = *segment;
  request.rung = rung;
  request.size_bytes = body_bytes;
  request.now_s = now_s;
  if (cmcd.bl_ms) request.buffer_s = static_cast<double>(*cmcd.bl_ms) / 1e3;
  if (cmcd.mtp_kbps) request.mtp_bps = static_cast<double>(*cmcd.mtp_kbps) * 1e3;
  request.starved = cmcd.bs;
  const auto start = std::chrono::steady_clock::now();
  const MediaAdvice advice = session->on_request(request);
  if (advice.decided && decisions_total_ != nullptr) {
    metrics_.record_decision(*decisions_total_,
                             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  if (!advice.error.empty()) metrics_.record_origin_session_error();
  response.on_sent = [session, id = advice.request_id, clock = clock_s_](bool sent) {
    if (sent) session->sent(id, clock());
  };
  CmsdDynamic dynamic;
  dynamic.mb_kbps = mb_kbps_for_rung(manifest, advice.next_rung.value_or(rung));
  if (advice.estimate_bps > 0) dynamic.etp_kbps = std::llround(advice.estimate_bps / 1e3);
  response.headers.emplace_back("CMSD-Dynamic", format_cmsd_dynamic(dynamic));
  CmsdStatic fixed;
  fixed.ot = cmcd.ot ? *cmcd.ot : std::string(kVideoToken);
  fixed.st = std::string(kVideoToken);  // VOD: the origin serves files
  fixed.br_kbps = std::llround(manifest.bitrate_bps(rung) / 1e3);
  fixed.d_ms = std::llround(manifest.segment_duration_s() * 1e3);
  response.headers.emplace_back("CMSD-Static", format_cmsd_static(fixed));
  metrics_.record_cmsd();
}

}  // namespace streamopt::serve
