#pragma once
/// \file packaging.hpp
/// Packaging of an encoded ladder for players: what a packaged title holds
/// (fragmented MP4 renditions, CMAF-style: one init segment plus numbered
/// media segments per rung), the DASH MPD and the HLS playlists written from
/// it, and the RFC 6381 codecs string read from an init segment. Part of the
/// codec component (docs/codec.md, "Packaging").

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/codec.hpp"

namespace streamopt {

/// Which manifests `encode_ladder` writes next to the fMP4 segments.
struct PackageFormats {
  bool dash = false;  ///< `manifest.mpd`
  bool hls = false;   ///< `master.m3u8` plus `rung_R/playlist.m3u8`
  /// True when neither is asked for (self-contained segment files instead).
  [[nodiscard]] bool none() const { return !dash && !hls; }
};

/// Parses "dash,hls", "dash", "hls", "hls,dash" or "none"; throws `Error`
/// naming the bad item otherwise.
PackageFormats parse_package_formats(std::string_view text);

/// The manifests a codec gets when the caller does not choose: DASH and HLS
/// for codecs that fit fragmented MP4 (H.264, H.265, VP9, AV1), none for VP8
/// (which has no ISO BMFF mapping; its segments stay self-contained WebM).
PackageFormats default_package_formats(Codec codec);

/// True when `codec` can be packaged as fragmented MP4 (all but VP8).
bool packageable(Codec codec);

/// One rung of a packaged title, as the manifests describe it. Paths are
/// relative to the title directory and use '/'.
struct PackagedRendition {
  std::string id;                ///< Representation id and directory name, e.g. "rung_0"
  int width = 0;                 ///< luma width in pixels
  int height = 0;                ///< luma height in pixels
  std::string codecs;            ///< RFC 6381 codecs string, e.g. "avc1.64001f"
  /// Media time, in `PackagedTitle::timescale` ticks, at which the first
  /// segment's first frame is presented (the encoder's B-frame delay; the
  /// MPD's presentationTimeOffset).
  std::uint64_t presentation_offset_ticks = 0;
  std::vector<std::uint64_t> segment_bytes;  ///< media segment file sizes (moof + mdat), segment 1 first
  std::vector<double> segment_duration_s;    ///< media segment durations, same order
  /// Highest segment bitrate: max over segments of bytes x 8 / duration (DASH @bandwidth, HLS BANDWIDTH).
  [[nodiscard]] double peak_bps() const;
  /// Total bytes x 8 / total duration (HLS AVERAGE-BANDWIDTH).
  [[nodiscard]] double average_bps() const;
};

/// A packaged title: every rung has the same number of segments of the same
/// durations, `RUNG/init.mp4` and `RUNG/seg_N.m4s` with N from 1.
struct PackagedTitle {
  int fps = 25;                        ///< frames per second (integer rates only)
  std::uint32_t timescale = 0;         ///< ticks per second of the tracks (mdhd) and of the MPD's SegmentTemplate
  double segment_s = 0;                ///< nominal segment duration
  std::vector<PackagedRendition> renditions;  ///< lowest bitrate first
};

/// File names inside a rendition's directory.
inline constexpr const char* kInitSegmentName = "init.mp4";          ///< the init segment
inline constexpr const char* kMediaPlaylistName = "playlist.m3u8";   ///< the HLS media playlist
inline constexpr const char* kDashManifestName = "manifest.mpd";     ///< the MPD, in the title directory
inline constexpr const char* kHlsMasterName = "master.m3u8";         ///< the HLS multivariant playlist, in the title directory
/// The name of media segment `number` (from 1): "seg_N.m4s".
std::string media_segment_name(std::size_t number);

/// A static DASH MPD (ISO/IEC 23009-1, profile isoff-live): one Period, one
/// video AdaptationSet, a Representation per rendition (id, bandwidth = peak
/// segment bitrate, width, height, frameRate, codecs) and a SegmentTemplate
/// with `$RepresentationID$/seg_$Number$.m4s`, startNumber 1, the title's
/// timescale, the presentationTimeOffset and a SegmentTimeline of the real
/// segment durations (the first starting at the offset); on the
/// AdaptationSet when every rendition has the same offset, else per
/// Representation. The timeline rather than @duration states the exact
/// segment count: ffmpeg 5.1's DASH demuxer asks for one segment past the end
/// of a @duration template. minBufferTime is the longest segment, which the
/// peak bandwidth satisfies. Throws `Error` when the title is empty, its
/// renditions disagree on the segment count or a duration is not positive.
std::string dash_mpd(const PackagedTitle& title);

/// The HLS multivariant playlist (RFC 8216, version 7): an
/// #EXT-X-STREAM-INF per rendition with BANDWIDTH (peak segment bitrate),
/// AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE, pointing at
/// `RUNG/playlist.m3u8`. Throws `Error` as `dash_mpd`.
std::string hls_multivariant_playlist(const PackagedTitle& title);

/// One rendition's HLS media playlist: VOD, #EXT-X-MAP to `init.mp4`, an
/// #EXTINF with each segment's duration, #EXT-X-ENDLIST. Throws `Error` when
/// `rendition` is out of range.
std::string hls_media_playlist(const PackagedTitle& title, std::size_t rendition);

/// What an fMP4 init segment says about its (first) video track.
struct InitSegmentInfo {
  std::string codecs;           ///< RFC 6381: avc1.PPCCLL, hvc1/hev1.P.C.TL.B..., av01.P.LLT.DD, vp09.PP.LL.DD
  std::uint32_t timescale = 0;  ///< the track's mdhd timescale
};

/// Reads the codecs string and timescale from an init segment's moov (the
/// sample entry's avcC / hvcC / av1C / vpcC box, mdhd). Throws `Error`
/// naming the box that is missing or malformed.
InitSegmentInfo read_init_segment(const std::vector<std::uint8_t>& init);

}  // namespace streamopt
