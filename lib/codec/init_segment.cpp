// Reading an fMP4 init segment: the video track's timescale (mdhd) and its
// RFC 6381 codecs string from the sample entry's decoder configuration box
// (ISO/IEC 14496-15 avcC / hvcC, AV1-ISOBMFF av1C, VP-ISOBMFF vpcC).
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "streamopt/error.hpp"
#include "streamopt/packaging.hpp"

namespace streamopt {
namespace {

// A byte range of the init segment.
struct Span {
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// The payload of the first child box of type `type` in `parent` (boxes
// start at `parent.data`); nullopt when absent. Throws on a box that runs
// past its parent.
std::optional<Span> find_box(Span parent, const char* type) {
  std::size_t at = 0;
  while (at + 8 <= parent.size) {
    const std::uint8_t* box = parent.data + at;
    std::uint64_t size = be32(box);
    std::size_t header = 8;
    if (size == 1) {
      if (at + 16 > parent.size) throw Error("init segment: truncated 64-bit box size");
      size = (std::uint64_t{be32(box + 8)} << 32) | be32(box + 12);
      header = 16;
    } else if (size == 0) {
      size = parent.size - at;
    }
    if (size < header || size > parent.size - at) {
      throw Error(fmt::format("init segment: box '{}' at offset {} has size {} past its parent's end",
                              std::string(reinterpret_cast<const char*>(box + 4), 4), at, size));
    }
    if (std::equal(type, type + 4, box + 4)) return Span{box + header, static_cast<std::size_t>(size) - header};
    at += static_cast<std::size_t>(size);
  }
  return std::nullopt;
}

Span need_box(Span parent, const char* type, const char* where) {
  const auto box = find_box(parent, type);
  if (!box) throw Error(fmt::format("init segment: no '{}' box in {}", type, where));
  return *box;
}

// 32 bits in reverse order (hvcC's general_profile_compatibility_flags as
// RFC 6381 / ISO 14496-15 Annex E print them).
std::uint32_t reverse_bits(std::uint32_t v) {
  std::uint32_t r = 0;
  for (int i = 0; i < 32; ++i) r |= ((v >> i) & 1U) << (31 - i);
  return r;
}

std::string avc_codecs(const char* entry, Span c) {
  if (c.size < 4) throw Error("init segment: avcC is shorter than 4 bytes");
  return fmt::format("{}.{:02x}{:02x}{:02x}", entry, c.data[1], c.data[2], c.data[3]);
}

std::string hevc_codecs(const char* entry, Span c) {
  if (c.size < 13) throw Error("init segment: hvcC is shorter than 13 bytes");
  const int space = c.data[1] >> 6;
  const bool high_tier = (c.data[1] >> 5) & 1;
  const int profile = c.data[1] & 0x1f;
  const std::uint32_t compat = reverse_bits(be32(c.data + 2));
  std::string text = fmt::format("{}.{}{}.{:X}.{}{}", entry, space == 0 ? "" : std::string(1, static_cast<char>('A' + space - 1)),
                                 profile, compat, high_tier ? 'H' : 'L', c.data[12]);
  int last = 5;  // constraint bytes 6..11; trailing zero bytes are left out
  while (last >= 0 && c.data[6 + last] == 0) --last;
  for (int i = 0; i <= last; ++i) text += fmt::format(".{:X}", c.data[6 + i]);
  return text;
}

std::string av1_codecs(Span c) {
  if (c.size < 4) throw Error("init segment: av1C is shorter than 4 bytes");
  const int profile = c.data[1] >> 5;
  const int level = c.data[1] & 0x1f;
  const bool high_tier = c.data[2] >> 7;
  const bool high_bitdepth = (c.data[2] >> 6) & 1;
  const bool twelve_bit = (c.data[2] >> 5) & 1;
  const int depth = high_bitdepth ? (twelve_bit ? 12 : 10) : 8;
  return fmt::format("av01.{}.{:02}{}.{:02}", profile, level, high_tier ? 'H' : 'M', depth);
}

std::string vp9_codecs(Span c) {
  if (c.size < 7) throw Error("init segment: vpcC is shorter than 7 bytes");
  // FullBox header (4 bytes), then profile, level, bitDepth(4) chroma(3) range(1).
  return fmt::format("vp09.{:02}.{:02}.{:02}", c.data[4], c.data[5], c.data[6] >> 4);
}

}  // namespace

InitSegmentInfo read_init_segment(const std::vector<std::uint8_t>& init) {
  const Span file{init.data(), init.size()};
  const Span moov = need_box(file, "moov", "the file");
  const Span trak = need_box(moov, "trak", "moov");
  const Span mdia = need_box(trak, "mdia", "trak");
  InitSegmentInfo info;
  const Span mdhd = need_box(mdia, "mdhd", "mdia");
  const std::size_t timescale_at = mdhd.size > 0 && mdhd.data[0] == 1 ? 20 : 12;  // after version/flags and the times
  if (mdhd.size < timescale_at + 4) throw Error("init segment: mdhd is too short");
  info.timescale = be32(mdhd.data + timescale_at);
  if (info.timescale == 0) throw Error("init segment: mdhd timescale is 0");
  const Span minf = need_box(mdia, "minf", "mdia");
  const Span stbl = need_box(minf, "stbl", "minf");
  const Span stsd = need_box(stbl, "stsd", "stbl");
  if (stsd.size < 8 + 8 + 78) throw Error("init segment: stsd holds no visual sample entry");
  const Span entries{stsd.data + 8, stsd.size - 8};  // after version/flags and entry_count
  const std::string type(reinterpret_cast<const char*>(entries.data + 4), 4);
  const std::size_t entry_size = be32(entries.data);
  if (entry_size < 8 + 78 || entry_size > entries.size) throw Error(fmt::format("init segment: sample entry '{}' is malformed", type));
  const Span children{entries.data + 8 + 78, entry_size - 8 - 78};  // after the VisualSampleEntry fields
  if (type == "avc1" || type == "avc3") {
    info.codecs = avc_codecs(type.c_str(), need_box(children, "avcC", type.c_str()));
  } else if (type == "hvc1" || type == "hev1") {
    info.codecs = hevc_codecs(type.c_str(), need_box(children, "hvcC", type.c_str()));
  } else if (type == "av01") {
    info.codecs = av1_codecs(need_box(children, "av1C", "av01"));
  } else if (type == "vp09") {
    info.codecs = vp9_codecs(need_box(children, "vpcC", "vp09"));
  } else {
    throw Error(fmt::format("init segment: sample entry '{}' has no codecs string here (known: avc1, avc3, hvc1, hev1, av01, vp09)", type));
  }
  return info;
}

}  // namespace streamopt
