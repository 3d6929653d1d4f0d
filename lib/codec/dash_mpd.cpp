// A static DASH MPD (ISO/IEC 23009-1, isoff-live profile) for a packaged
// title: one video AdaptationSet, a Representation per rung, one
// SegmentTemplate with $RepresentationID$ and $Number$ and a SegmentTimeline.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "codec/backends.hpp"
#include "streamopt/error.hpp"
#include "streamopt/packaging.hpp"

namespace streamopt {
namespace {

// xs:duration with millisecond precision.
std::string iso_duration(double seconds) { return fmt::format("PT{:.3f}S", seconds); }

}  // namespace

std::string dash_mpd(const PackagedTitle& title) {
  codec::check_packaged_title(title, "DASH MPD");
  const std::vector<double>& durations = title.renditions.front().segment_duration_s;
  for (std::size_t i = 0; i < durations.size(); ++i) {
    if (!(durations[i] > 0)) throw Error(fmt::format("DASH MPD: segment {} lasts {} s", i + 1, durations[i]));
  }
  double total_s = 0;
  for (double d : durations) total_s += d;
  int max_width = 0, max_height = 0;
  bool same_offset = true;
  for (const PackagedRendition& r : title.renditions) {
    max_width = std::max(max_width, r.width);
    max_height = std::max(max_height, r.height);
    same_offset = same_offset && r.presentation_offset_ticks == title.renditions.front().presentation_offset_ticks;
  }
  // SegmentTimeline: the segments' real durations in ticks, runs of equal ones as one S with @r,
  // the first starting at the presentation offset.
  const auto segment_template = [&](std::uint64_t offset_ticks, const std::string& indent) {
    std::string timeline;
    for (std::size_t i = 0; i < durations.size();) {
      const auto ticks = std::llround(durations[i] * title.timescale);
      std::size_t run = 1;
      while (i + run < durations.size() && std::llround(durations[i + run] * title.timescale) == ticks) ++run;
      timeline += fmt::format("<S{} d=\"{}\"{}/>", i == 0 ? fmt::format(" t=\"{}\"", offset_ticks) : "", ticks,
                              run > 1 ? fmt::format(" r=\"{}\"", run - 1) : "");
      i += run;
    }
    return fmt::format(
        "{0}<SegmentTemplate timescale=\"{1}\" startNumber=\"1\" presentationTimeOffset=\"{2}\" "
        "initialization=\"$RepresentationID$/{3}\" media=\"$RepresentationID$/seg_$Number$.m4s\">\n"
        "{0}  <SegmentTimeline>{4}</SegmentTimeline>\n{0}</SegmentTemplate>\n",
        indent, title.timescale, offset_ticks, kInitSegmentName, timeline);
  };
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += fmt::format(
      "<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\" profiles=\"urn:mpeg:dash:profile:isoff-live:2011\" type=\"static\" "
      "mediaPresentationDuration=\"{}\" minBufferTime=\"{}\">\n",
      iso_duration(total_s), iso_duration(*std::max_element(durations.begin(), durations.end())));
  xml += "  <Period id=\"0\" start=\"PT0S\">\n";
  xml += fmt::format(
      "    <AdaptationSet id=\"0\" contentType=\"video\" mimeType=\"video/mp4\" segmentAlignment=\"true\" "
      "startWithSAP=\"1\" maxWidth=\"{}\" maxHeight=\"{}\" frameRate=\"{}\">\n",
      max_width, max_height, title.fps);
  if (same_offset) xml += segment_template(title.renditions.front().presentation_offset_ticks, "      ");
  for (const PackagedRendition& r : title.renditions) {
    xml += fmt::format("      <Representation id=\"{}\" bandwidth=\"{:.0f}\" width=\"{}\" height=\"{}\" frameRate=\"{}\" codecs=\"{}\"",
                       r.id, std::ceil(r.peak_bps()), r.width, r.height, title.fps, r.codecs);
    if (same_offset) {
      xml += "/>\n";
    } else {
      xml += ">\n" + segment_template(r.presentation_offset_ticks, "        ") + "      </Representation>\n";
    }
  }
  xml += "    </AdaptationSet>\n  </Period>\n</MPD>\n";
  return xml;
}

}  // namespace streamopt
