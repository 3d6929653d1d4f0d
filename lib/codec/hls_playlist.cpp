// HLS playlists (RFC 8216, version 7, fMP4 segments) for a packaged title:
// the multivariant playlist and one VOD media playlist per rung.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"
#include "streamopt/packaging.hpp"

namespace streamopt {

std::string hls_multivariant_playlist(const PackagedTitle& title) {
  codec::check_packaged_title(title, "HLS multivariant playlist");
  std::string text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  for (const PackagedRendition& r : title.renditions) {
    text += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={:.0f},AVERAGE-BANDWIDTH={:.0f},RESOLUTION={}x{},CODECS=\"{}\",FRAME-RATE={:.3f}\n",
                        std::ceil(r.peak_bps()), std::ceil(r.average_bps()), r.width, r.height, r.codecs,
                        static_cast<double>(title.fps));
    text += fmt::format("{}/{}\n", r.id, kMediaPlaylistName);
  }
  return text;
}

std::string hls_media_playlist(const PackagedTitle& title, std::size_t rendition) {
  codec::check_packaged_title(title, "HLS media playlist");
  if (rendition >= title.renditions.size()) {
    throw Error(fmt::format("HLS media playlist: rendition {} of {}", rendition, title.renditions.size()));
  }
  const PackagedRendition& r = title.renditions[rendition];
  const double longest_s = *std::max_element(r.segment_duration_s.begin(), r.segment_duration_s.end());
  // Every EXTINF rounded to the nearest integer must be at most the target duration.
  const auto target_s = std::max<long long>(1, std::llround(std::ceil(longest_s - 1e-9)));
  std::string text = fmt::format(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:1\n#EXT-X-PLAYLIST-TYPE:VOD\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"{}\"\n",
      target_s, kInitSegmentName);
  for (std::size_t i = 0; i < r.segment_duration_s.size(); ++i) {
    text += fmt::format("#EXTINF:{:.6f},\n{}\n", r.segment_duration_s[i], media_segment_name(i + 1));
  }
  text += "#EXT-X-ENDLIST\n";
  return text;
}

}  // namespace streamopt
