#pragma once
// Private: the three encoder backends and helpers they share.
#include <memory>
#include <string>

#include "streamopt/codec.hpp"

namespace streamopt {
struct LadderOptions;
}

namespace streamopt::codec {

std::unique_ptr<EncoderAdapter> make_avcodec_encoder(const EncoderConfig& config);
std::unique_ptr<EncoderAdapter> make_vpx_encoder(const EncoderConfig& config);
std::unique_ptr<EncoderAdapter> make_x265_encoder(const EncoderConfig& config);

// The encoder settings a ladder or hull encode shares for a `width` x
// `height` rendition at `fps` (codec, backend, preset, threads, GOP = segment).
EncoderConfig ladder_encoder_config(const LadderOptions& options, int width, int height, int fps);
// Throws `Error` on sizes, rates or quality out of range.
void check_config(const EncoderConfig& config);
// Throws `Error` when a frame does not match the configured size.
void check_frame(const EncoderConfig& config, const VideoFrame& frame);
// Lowers libav*'s log level to errors and SVT-AV1's to errors (SVT_LOG=1,
// unless the environment sets it), once per process: encoders print nothing
// but errors.
void quiet_libraries();
// Copies a packed plane of `width` x `height` bytes into rows `stride` apart.
void copy_plane(const std::uint8_t* src, int width, int height, std::uint8_t* dst, int stride);
// libav*'s message for an error code.
std::string av_error(int code);
// IDR / CRA / none from the NAL unit headers of an Annex B access unit (H.264, H.265).
KeyframeKind nal_keyframe_kind(Codec codec, const std::uint8_t* data, std::size_t size);

}  // namespace streamopt::codec

namespace streamopt {
struct PackagedTitle;
}

namespace streamopt::codec {
// Throws `Error` starting with `what` when a packaged title cannot be
// described: no renditions or segments, renditions with different segment
// counts, ids or codecs strings that need escaping, non-positive rates.
void check_packaged_title(const PackagedTitle& title, const char* what);
}  // namespace streamopt::codec
