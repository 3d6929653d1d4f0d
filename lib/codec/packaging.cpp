// Packaging choices and the rendition figures the DASH and HLS writers share.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "streamopt/error.hpp"
#include "streamopt/packaging.hpp"

namespace streamopt {

PackageFormats parse_package_formats(std::string_view text) {
  PackageFormats formats;
  if (text == "none") return formats;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, end - start);
    if (item == "dash") {
      formats.dash = true;
    } else if (item == "hls") {
      formats.hls = true;
    } else {
      throw Error(fmt::format("package formats '{}': unknown item '{}' (known: dash, hls, or none alone)", text, item));
    }
    start = end + 1;
  }
  return formats;
}

bool packageable(Codec codec) { return codec != Codec::vp8; }

PackageFormats default_package_formats(Codec codec) {
  PackageFormats formats;
  formats.dash = formats.hls = packageable(codec);
  return formats;
}

std::string media_segment_name(std::size_t number) { return fmt::format("seg_{}.m4s", number); }

double PackagedRendition::peak_bps() const {
  double peak = 0;
  for (std::size_t i = 0; i < segment_bytes.size() && i < segment_duration_s.size(); ++i) {
    if (segment_duration_s[i] > 0) peak = std::max(peak, static_cast<double>(segment_bytes[i]) * 8.0 / segment_duration_s[i]);
  }
  return peak;
}

double PackagedRendition::average_bps() const {
  double bytes = 0, seconds = 0;
  for (std::size_t i = 0; i < segment_bytes.size() && i < segment_duration_s.size(); ++i) {
    bytes += static_cast<double>(segment_bytes[i]);
    seconds += segment_duration_s[i];
  }
  return seconds > 0 ? bytes * 8.0 / seconds : 0.0;
}

}  // namespace streamopt

namespace streamopt::codec {

void check_packaged_title(const PackagedTitle& title, const char* what) {
  if (title.renditions.empty()) throw Error(fmt::format("{}: the title has no renditions", what));
  if (title.fps <= 0 || title.timescale == 0 || !(title.segment_s > 0)) {
    throw Error(fmt::format("{}: fps {}, timescale {} and segment_s {} must be positive", what, title.fps, title.timescale, title.segment_s));
  }
  const std::size_t count = title.renditions.front().segment_bytes.size();
  if (count == 0) throw Error(fmt::format("{}: rendition {} has no segments", what, title.renditions.front().id));
  for (const PackagedRendition& r : title.renditions) {
    if (r.segment_bytes.size() != count || r.segment_duration_s.size() != count) {
      throw Error(fmt::format("{}: rendition {} has {} segment sizes and {} durations, rendition {} has {}", what, r.id,
                              r.segment_bytes.size(), r.segment_duration_s.size(), title.renditions.front().id, count));
    }
    if (r.id.empty() || r.id.find_first_of("\"<>&'/ ") != std::string::npos || r.codecs.empty() ||
        r.codecs.find_first_of("\"<>&',") != std::string::npos || r.width <= 0 || r.height <= 0) {
      throw Error(fmt::format("{}: rendition '{}' needs a plain id, a codecs string and a size (codecs '{}', {}x{})", what, r.id,
                              r.codecs, r.width, r.height));
    }
  }
}

}  // namespace streamopt::codec
