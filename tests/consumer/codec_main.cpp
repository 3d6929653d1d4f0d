// Consumer of an installed streamopt::codec: one live encoder, one frame.
#include <cstdio>

#include "streamopt/codec.hpp"

int main() {
  streamopt::EncoderConfig c;
  c.codec = streamopt::Codec::vp8;
  c.backend = streamopt::Backend::libvpx;
  c.width = 64;
  c.height = 48;
  c.latency = streamopt::LatencyMode::live;
  auto encoder = streamopt::make_encoder(c);
  const auto packets = encoder->encode(streamopt::VideoFrame::blank(64, 48), true);
  std::printf("codec: %zu packet(s), keyframe %s\n", packets.size(),
              packets.empty() ? "none" : streamopt::keyframe_name(packets.front().keyframe).c_str());
  return packets.size() == 1 ? 0 : 1;
}
