#pragma once
// Private: writes one self-contained segment file with libavformat
// (fragmented MP4 for H.264/H.265/AV1, WebM for VP8/VP9).
#include <filesystem>
#include <vector>

#include "streamopt/codec.hpp"

namespace streamopt::codec {

// The file extension of a codec's segments: ".mp4" or ".webm".
const char* segment_extension(Codec codec);

// Writes `packets` (decode order, pts/dts in frames at `fps`) as one file.
// Throws `Error` naming the file on failure.
void write_segment_file(const std::filesystem::path& path, Codec codec, int width, int height, int fps,
                        const std::vector<std::uint8_t>& extradata, const std::vector<const EncodedPacket*>& packets);

}  // namespace streamopt::codec
