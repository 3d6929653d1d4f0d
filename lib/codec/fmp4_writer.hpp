#pragma once
// Private: one rung's fragmented MP4 (CMAF-style) through libavformat's mp4
// muxer writing into memory: the bytes of avformat_write_header are the init
// segment (ftyp + moov with no samples), and each segment's packets flushed
// as one fragment are one media segment (moof + mdat).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "streamopt/codec.hpp"

namespace streamopt::codec {

class Fmp4Writer {
 public:
  // Opens the muxer for a `codec` track of `width` x `height` at `fps` and
  // writes the init segment. Every timestamp is moved `shift_frames` later
  // (the encoder's B-frame delay, so that decode times start at 0). `where`
  // names the rung in errors. Throws `Error` when the codec cannot go in
  // fragmented MP4 (VP8) or the muxer refuses the stream.
  Fmp4Writer(Codec codec, int width, int height, int fps, const std::vector<std::uint8_t>& extradata,
             std::int64_t shift_frames, std::string where);
  ~Fmp4Writer();
  Fmp4Writer(const Fmp4Writer&) = delete;
  Fmp4Writer& operator=(const Fmp4Writer&) = delete;

  // ftyp + moov.
  [[nodiscard]] const std::vector<std::uint8_t>& init_segment() const { return init_; }
  // Ticks per second of the track (frames x 1000 per second).
  [[nodiscard]] std::uint32_t timescale() const { return timescale_; }
  // Muxes `packets` (decode order, pts/dts in frames, the first a keyframe)
  // as one fragment and returns its bytes (moof + mdat). Throws `Error`.
  std::vector<std::uint8_t> write_segment(const std::vector<const EncodedPacket*>& packets);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<std::uint8_t> init_;
  std::uint32_t timescale_ = 0;
};

}  // namespace streamopt::codec
