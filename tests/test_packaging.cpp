// Packaging (the codec component): fMP4 renditions, the DASH MPD and the HLS
// playlists of `encode_ladder`, parsed back and checked against the segment
// files, the manifest directory and the streams themselves. Playing the
// packaged title with ffmpeg is tests/package_test.sh.
#include <catch2/catch.hpp>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "streamopt/error.hpp"
#include "streamopt/ladder.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/packaging.hpp"
#include "streamopt/video_io.hpp"

using namespace streamopt;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

std::string fmt_rung(std::size_t rung) { return "rung_" + std::to_string(rung); }

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  INFO(path.string());
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::uint8_t> bytes_of(const fs::path& path) {
  const std::string s = slurp(path);
  return {s.begin(), s.end()};
}

// A parsed XML element: enough XML (elements, attributes in double quotes,
// the declaration) to read the MPD we write back and to check that it nests.
struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<Element> children;
  [[nodiscard]] std::vector<const Element*> all(const std::string& child) const {
    std::vector<const Element*> out;
    for (const Element& e : children) {
      if (e.name == child) out.push_back(&e);
    }
    return out;
  }
  [[nodiscard]] const Element& one(const std::string& child) const {
    const auto found = all(child);
    INFO("<" << name << "> has " << found.size() << " <" << child << ">");
    REQUIRE(found.size() == 1);
    return *found.front();
  }
  [[nodiscard]] std::string attr(const std::string& key) const {
    const auto it = attributes.find(key);
    INFO("<" << name << "> attribute " << key);
    REQUIRE(it != attributes.end());
    return it->second;
  }
};

Element parse_xml(const std::string& text) {
  std::vector<Element> stack(1);  // a document node holding the root
  std::size_t at = 0;
  const std::regex attribute(R"re(([A-Za-z_:][-\w:.]*)="([^"<&]*)")re");
  while ((at = text.find('<', at)) != std::string::npos) {
    const std::size_t end = text.find('>', at);
    REQUIRE(end != std::string::npos);
    const std::string tag = text.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.front() == '?') continue;  // <?xml ...?>
    if (tag.front() == '/') {
      REQUIRE(stack.size() > 1);
      INFO("closing </" << tag.substr(1) << "> inside <" << stack.back().name << ">");
      REQUIRE(stack.back().name == tag.substr(1));
      Element done = std::move(stack.back());
      stack.pop_back();
      stack.back().children.push_back(std::move(done));
      continue;
    }
    const bool empty = tag.back() == '/';
    const std::string body = empty ? tag.substr(0, tag.size() - 1) : tag;
    Element e;
    e.name = body.substr(0, body.find_first_of(" \n"));
    const std::string rest = body.substr(e.name.size());
    for (auto it = std::sregex_iterator(rest.begin(), rest.end(), attribute); it != std::sregex_iterator(); ++it) {
      REQUIRE(e.attributes.emplace((*it)[1].str(), (*it)[2].str()).second);
    }
    if (empty) {
      stack.back().children.push_back(std::move(e));
    } else {
      stack.push_back(std::move(e));
    }
  }
  REQUIRE(stack.size() == 1);
  REQUIRE(stack.front().children.size() == 1);
  return stack.front().children.front();
}

// Lines of a playlist.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Decodes init + media segments concatenated (as a player's buffer holds
// them); returns the frame count and checks every frame's size.
int decode_concatenated(const fs::path& rung_dir, std::size_t segments, int width, int height) {
  const fs::path joined = rung_dir.parent_path() / (rung_dir.filename().string() + "_joined.mp4");
  {
    std::ofstream out(joined, std::ios::binary);
    out << slurp(rung_dir / kInitSegmentName);
    for (std::size_t n = 1; n <= segments; ++n) out << slurp(rung_dir / media_segment_name(n));
  }
  auto video = open_video_files({joined});
  CHECK(video->width() == width);
  CHECK(video->height() == height);
  VideoFrame f;
  int frames = 0;
  while (video->next(f)) ++frames;
  fs::remove(joined);
  return frames;
}

}  // namespace

TEST_CASE("packaged ladder: fMP4 segments, an MPD and HLS playlists that agree with the files", "[codec][package]") {
  const fs::path out = fs::temp_directory_path() / "streamopt_package_test";
  fs::remove_all(out);
  auto src = synthetic_video(160, 120, 25, 80, 3);  // 3.2 s: three whole 1 s segments
  LadderOptions o;
  o.segment_s = 1.0;
  o.name = "packaged";
  o.preset = "veryfast";
  const auto rungs = parse_rungs("96x72@100,160x120@300");
  const LadderResult r = encode_ladder(*src, rungs, o, out);  // default: DASH and HLS
  REQUIRE(r.segment_count == 3);

  // Files: an init segment and seg_1..3 per rung; nothing numbered 0 or past the end.
  const Manifest m = Manifest::load(out);
  REQUIRE(m.rung_count() == 2);
  REQUIRE(m.segment_count() == 3);
  for (std::size_t rung = 0; rung < 2; ++rung) {
    const fs::path dir = out / fmt_rung(rung);
    CHECK(fs::exists(dir / kInitSegmentName));
    CHECK_FALSE(fs::exists(dir / "seg_0.m4s"));
    CHECK_FALSE(fs::exists(dir / "seg_4.m4s"));
    for (std::size_t k = 0; k < 3; ++k) {
      INFO("rung " << rung << " segment " << k);
      // ladder.json's sizes are the media segment files the player fetches.
      CHECK(m.segment_size_bytes(k, rung) == fs::file_size(dir / media_segment_name(k + 1)));
    }
    CHECK(decode_concatenated(dir, 3, rungs[rung].width, rungs[rung].height) == 75);
  }
  for (const EncodedSegment& s : r.segments) CHECK(s.file == fmt_rung(s.rung) + "/" + media_segment_name(s.segment + 1));

  // The MPD.
  const Element mpd = parse_xml(slurp(out / kDashManifestName));
  CHECK(mpd.name == "MPD");
  CHECK(mpd.attr("type") == "static");
  CHECK(mpd.attr("profiles") == "urn:mpeg:dash:profile:isoff-live:2011");
  CHECK(mpd.attr("mediaPresentationDuration") == "PT3.000S");
  const Element& set = mpd.one("Period").one("AdaptationSet");
  CHECK(set.attr("mimeType") == "video/mp4");
  const Element& tmpl = set.one("SegmentTemplate");
  CHECK(tmpl.attr("startNumber") == "1");
  CHECK(tmpl.attr("timescale") == "25000");
  CHECK(tmpl.attr("media") == "$RepresentationID$/seg_$Number$.m4s");
  CHECK(tmpl.attr("initialization") == "$RepresentationID$/init.mp4");
  // x264's B-frame delay moves the first presentation time; the offset is whole frames.
  const std::string offset = tmpl.attr("presentationTimeOffset");
  CHECK(std::stoull(offset) % 1000 == 0);
  // Three segments of 1 s (25000 ticks), the first presented at the offset.
  const auto runs = tmpl.one("SegmentTimeline").all("S");
  REQUIRE(runs.size() == 1);
  CHECK(runs[0]->attr("t") == offset);
  CHECK(runs[0]->attr("d") == "25000");
  CHECK(runs[0]->attr("r") == "2");
  const auto reps = set.all("Representation");
  REQUIRE(reps.size() == 2);
  std::vector<std::string> codecs;
  for (std::size_t rung = 0; rung < 2; ++rung) {
    const Element& rep = *reps[rung];
    INFO("Representation " << rung);
    CHECK(rep.attr("id") == fmt_rung(rung));
    CHECK(rep.attr("width") == std::to_string(rungs[rung].width));
    CHECK(rep.attr("height") == std::to_string(rungs[rung].height));
    CHECK(rep.attr("frameRate") == "25");
    // avc1 + profile, constraint flags and level of the SPS; x264's default profile is High (0x64).
    CHECK(std::regex_match(rep.attr("codecs"), std::regex("avc1\\.64[0-9a-f]{4}")));
    codecs.push_back(rep.attr("codecs"));
    // bandwidth: the peak segment bitrate, from the files.
    std::uint64_t largest = 0;
    for (std::size_t k = 0; k < 3; ++k) largest = std::max(largest, m.segment_size_bytes(k, rung));
    CHECK(std::stod(rep.attr("bandwidth")) == static_cast<double>(largest * 8));
  }
  CHECK(std::stod(reps[1]->attr("bandwidth")) > std::stod(reps[0]->attr("bandwidth")));
  // The codecs string is the init segment's.
  CHECK(read_init_segment(bytes_of(out / "rung_0" / kInitSegmentName)).codecs == codecs[0]);

  // HLS: the multivariant playlist names each rung's media playlist.
  const auto master = lines_of(slurp(out / kHlsMasterName));
  REQUIRE(master.size() >= 7);
  CHECK(master[0] == "#EXTM3U");
  CHECK(master[1] == "#EXT-X-VERSION:7");
  const std::regex stream_inf(
      R"re(#EXT-X-STREAM-INF:BANDWIDTH=(\d+),AVERAGE-BANDWIDTH=(\d+),RESOLUTION=(\d+)x(\d+),CODECS="([^"]+)",FRAME-RATE=25\.000)re");
  std::size_t rung = 0;
  for (std::size_t i = 0; i < master.size(); ++i) {
    std::smatch match;
    if (!std::regex_match(master[i], match, stream_inf)) continue;
    INFO(master[i]);
    REQUIRE(rung < 2);
    CHECK(match[1].str() == reps[rung]->attr("bandwidth"));
    CHECK(std::stod(match[2].str()) <= std::stod(match[1].str()));
    CHECK(std::stoi(match[3].str()) == rungs[rung].width);
    CHECK(match[5].str() == codecs[rung]);
    REQUIRE(i + 1 < master.size());
    CHECK(master[i + 1] == fmt_rung(rung) + "/playlist.m3u8");
    ++rung;
  }
  CHECK(rung == 2);
  const auto media = lines_of(slurp(out / "rung_1" / kMediaPlaylistName));
  const std::vector<std::string> expected = {"#EXTM3U",
                                             "#EXT-X-VERSION:7",
                                             "#EXT-X-TARGETDURATION:1",
                                             "#EXT-X-MEDIA-SEQUENCE:1",
                                             "#EXT-X-PLAYLIST-TYPE:VOD",
                                             "#EXT-X-INDEPENDENT-SEGMENTS",
                                             "#EXT-X-MAP:URI=\"init.mp4\"",
                                             "#EXTINF:1.000000,",
                                             "seg_1.m4s",
                                             "#EXTINF:1.000000,",
                                             "seg_2.m4s",
                                             "#EXTINF:1.000000,",
                                             "seg_3.m4s",
                                             "#EXT-X-ENDLIST"};
  CHECK(media == expected);
  fs::remove_all(out);
}

TEST_CASE("packaging choices: DASH only, none, and codecs fMP4 cannot hold", "[codec][package]") {
  const fs::path parent = fs::temp_directory_path() / "streamopt_package_choices";
  fs::remove_all(parent);
  fs::create_directories(parent);
  LadderOptions o;
  o.segment_s = 1.0;
  o.preset = "veryfast";
  o.measure_quality = false;
  SECTION("DASH only writes no playlists") {
    auto src = synthetic_video(64, 48, 25, 25, 1);
    o.package = parse_package_formats("dash");
    encode_ladder(*src, parse_rungs("64x48@100"), o, parent / "dash");
    CHECK(fs::exists(parent / "dash" / kDashManifestName));
    CHECK_FALSE(fs::exists(parent / "dash" / kHlsMasterName));
    CHECK_FALSE(fs::exists(parent / "dash/rung_0" / kMediaPlaylistName));
    CHECK(fs::exists(parent / "dash/rung_0/seg_1.m4s"));
  }
  SECTION("none keeps self-contained segment files numbered from 0") {
    auto src = synthetic_video(64, 48, 25, 25, 1);
    o.package = parse_package_formats("none");
    encode_ladder(*src, parse_rungs("64x48@100"), o, parent / "plain");
    CHECK(fs::exists(parent / "plain/rung_0/seg_0.mp4"));
    CHECK_FALSE(fs::exists(parent / "plain" / kDashManifestName));
    CHECK_FALSE(fs::exists(parent / "plain/rung_0" / kInitSegmentName));
  }
  SECTION("VP8 is left unpackaged by default and refused when packaging is asked for") {
    o.codec = Codec::vp8;
    o.backend = Backend::libvpx;
    o.preset = "";  // libvpx takes a cpu-used number, not x264's names
    auto src = synthetic_video(64, 48, 25, 25, 1);
    encode_ladder(*src, parse_rungs("64x48@100"), o, parent / "vp8");
    CHECK(fs::exists(parent / "vp8/rung_0/seg_0.webm"));
    CHECK_FALSE(fs::exists(parent / "vp8" / kDashManifestName));
    o.package = parse_package_formats("hls");
    auto again = synthetic_video(64, 48, 25, 25, 1);
    CHECK_THROWS_WITH(encode_ladder(*again, parse_rungs("64x48@100"), o, parent / "vp8_hls"),
                      Contains("vp8 cannot be packaged") && Contains("--package none"));
    CHECK_FALSE(fs::exists(parent / "vp8_hls"));
  }
  SECTION("an output under a file is an error naming it, and leaves nothing") {
    std::ofstream(parent / "file") << "not a directory";
    auto src = synthetic_video(64, 48, 25, 25, 1);
    CHECK_THROWS_WITH(encode_ladder(*src, parse_rungs("64x48@100"), o, parent / "file" / "title"),
                      Contains("cannot create the output directory") && Contains("file/title"));
  }
  CHECK_THROWS_WITH(parse_package_formats("dash,mss"), Contains("unknown item 'mss'"));
  CHECK_THROWS_WITH(parse_package_formats(""), Contains("unknown item ''"));
  CHECK(parse_package_formats("hls,dash").dash);
  CHECK(parse_package_formats("none").none());
  fs::remove_all(parent);
}

TEST_CASE("packaged H.265, VP9 and AV1: codecs strings from the init segment, and the rungs decode", "[codec][package]") {
  struct Case {
    Codec codec;
    const char* codecs_pattern;
  };
  // hvc1.PROFILE.COMPAT.TIER+LEVEL[.CONSTRAINTS]; av01.P.LLT.DD; vp09.PP.LL.DD.
  const Case cases[] = {{Codec::h265, R"(hvc1\.1\.6\.L\d+(\.[0-9A-F]{1,2})*)"},
                        {Codec::vp9, R"(vp09\.00\.\d\d\.08)"},
                        {Codec::av1, R"(av01\.0\.\d\dM\.08)"}};
  for (const Case& c : cases) {
    INFO(codec_name(c.codec));
    const fs::path out = fs::temp_directory_path() / ("streamopt_package_" + codec_name(c.codec));
    fs::remove_all(out);
    LadderOptions o;
    o.codec = c.codec;
    o.segment_s = 1.0;
    o.measure_quality = false;
    if (c.codec == Codec::av1) o.preset = "12";
    if (c.codec == Codec::h265) o.preset = "ultrafast";
    auto src = synthetic_video(128, 96, 25, 50, 5);
    encode_ladder(*src, parse_rungs("128x96@200"), o, out);
    const InitSegmentInfo info = read_init_segment(bytes_of(out / "rung_0" / kInitSegmentName));
    CHECK(std::regex_match(info.codecs, std::regex(c.codecs_pattern)));
    CHECK(info.timescale == 25000);
    CHECK(slurp(out / kDashManifestName).find("codecs=\"" + info.codecs + "\"") != std::string::npos);
    CHECK(decode_concatenated(out / "rung_0", 2, 128, 96) == 50);
    fs::remove_all(out);
  }
}

TEST_CASE("manifest writers refuse titles they cannot describe", "[codec][package]") {
  PackagedTitle t;
  t.fps = 25;
  t.timescale = 25000;
  t.segment_s = 2;
  CHECK_THROWS_WITH(dash_mpd(t), Contains("no renditions"));
  PackagedRendition a;
  a.id = "rung_0";
  a.width = 64;
  a.height = 48;
  a.codecs = "avc1.64000a";
  a.segment_bytes = {1000, 3000};
  a.segment_duration_s = {2, 2};
  t.renditions = {a};
  CHECK(a.peak_bps() == 12000);
  CHECK(a.average_bps() == 8000);
  CHECK_NOTHROW(dash_mpd(t));
  CHECK_THROWS_WITH(hls_media_playlist(t, 1), Contains("rendition 1 of 1"));
  PackagedRendition b = a;
  b.id = "rung_1";
  b.segment_bytes = {1000};
  b.segment_duration_s = {2};
  t.renditions = {a, b};
  CHECK_THROWS_WITH(hls_multivariant_playlist(t), Contains("rung_1 has 1 segment sizes"));
  b = a;
  b.id = "a\"b";
  t.renditions = {a, b};
  CHECK_THROWS_WITH(dash_mpd(t), Contains("plain id"));
  t.renditions = {a};
  t.renditions[0].segment_duration_s = {0, 2};
  CHECK_THROWS_WITH(dash_mpd(t), Contains("segment 1 lasts 0 s"));
  // A shorter last segment: its own S in the timeline, its real duration in the playlist.
  t.renditions[0].segment_duration_s = {2, 1.2};
  CHECK(dash_mpd(t).find("<SegmentTimeline><S t=\"0\" d=\"50000\"/><S d=\"30000\"/></SegmentTimeline>") != std::string::npos);
  CHECK(hls_media_playlist(t, 0).find("#EXTINF:1.200000,\nseg_2.m4s") != std::string::npos);
  // Renditions with different offsets get a SegmentTemplate each.
  b = a;
  b.id = "rung_1";
  b.presentation_offset_ticks = 2000;
  t.renditions = {a, b};
  t.renditions[0].segment_duration_s = {2, 2};
  const Element mpd = parse_xml(dash_mpd(t));
  const Element& set = mpd.one("Period").one("AdaptationSet");
  CHECK(set.all("SegmentTemplate").empty());
  CHECK(set.all("Representation")[1]->one("SegmentTemplate").attr("presentationTimeOffset") == "2000");
  CHECK_THROWS_WITH(read_init_segment({0, 0, 0, 8, 'f', 't', 'y', 'p'}), Contains("no 'moov' box"));
  CHECK_THROWS_WITH(read_init_segment({0, 0, 0, 9, 'm', 'o', 'o', 'v'}), Contains("past its parent's end"));
}
