#pragma once
// The origin's routes (`streamopt serve --origin DIR`): GET, HEAD and
// OPTIONS under /media/<title>/..., CMCD read from every request, CMCD
// sessions kept by `sid`, CMSD written on media segment responses, CORS for
// a player on another origin. Docs: docs/serve.md#the-origin---origin.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "serve/cmcd.hpp"
#include "serve/metrics.hpp"
#include "serve/origin_files.hpp"
#include "serve/origin_session.hpp"
#include "streamopt/serve.hpp"

namespace streamopt::serve {

/// The URL prefix of the origin's files.
inline constexpr std::string_view kMediaPrefix = "/media/";

/// Adds the CORS headers every response under /media/ carries (errors
/// included): any origin may read it, and the CMSD headers are exposed.
void add_cors_headers(HttpResponse& response);

/// The origin. Thread-safe.
class Origin {
 public:
  /// Serves `dir`'s titles. A title's manifest (for its CMCD sessions) is
  /// the `--video` title of the same name in `titles`, else the
  /// `ladder.json` manifest in its directory, else it has none (its files
  /// are served without sessions or CMSD). `abr_spec` builds each session's
  /// controller. Throws `Error` on a missing directory, a ladder.json that
  /// does not load, or an `abr_spec` that does not build.
  Origin(const std::filesystem::path& dir, const TitleMap& titles, std::string abr_spec, ServiceMetrics& metrics,
         std::size_t max_sessions, double session_ttl_s, std::function<double()> clock_s);

  /// Answers `request` whose path is `kMediaPrefix` + `rest` (still
  /// percent-encoded) and whose query is `query`. Throws `RequestError`
  /// (400 bad path, 404 no such file, 405 method, 416 range).
  HttpResponse handle(const HttpRequest& request, std::string_view rest, std::string_view query);

  /// Ends the CMCD sessions idle past the TTL; returns how many.
  std::size_t expire_idle(double now_s);
  /// CMCD sessions open now.
  [[nodiscard]] std::size_t session_count() const;
  /// The titles that have a manifest (and so CMCD sessions).
  [[nodiscard]] std::size_t titles_with_manifest() const noexcept { return manifests_.size(); }

 private:
  // The segment index a media file's name gives (see docs), or nullopt.
  std::optional<std::size_t> segment_index(const std::filesystem::path& file, const Manifest& manifest);
  // Updates the CMCD session of a media request and writes CMSD into `response`.
  void track(const OriginFile& file, std::uint64_t body_bytes, const CmcdData& cmcd, HttpResponse& response);

  OriginFiles files_;
  std::map<std::string, std::shared_ptr<const Manifest>, std::less<>> manifests_;
  std::string abr_spec_;
  std::atomic<std::uint64_t>* decisions_total_;
  ServiceMetrics& metrics_;
  OriginSessionStore sessions_;
  std::function<double()> clock_s_;
  std::mutex first_numbers_mutex_;
  std::map<std::filesystem::path, std::optional<std::uint64_t>> first_numbers_;  // per directory
};

}  // namespace streamopt::serve
