// The origin of `streamopt serve --origin`, in-process: files under
// /media/ with their types, ranges and CORS; traversal refused; CMCD
// sessions keyed by sid answering with CMSD; and the trace-shaped share.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "serve/cmsd.hpp"
#include "serve/fluid_share.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/serve.hpp"
#include "streamopt/validate.hpp"

using namespace streamopt;
using namespace streamopt::serve;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

void write_file(const fs::path& path, std::size_t bytes, char fill = 'x') {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << std::string(bytes, fill);
}

// A fake packaged title "clip" (2 rungs x 4 segments of 4 s, numbered from 1
// as DASH's $Number$ is) with its ladder.json, and a title without one.
struct OriginTree {
  OriginTree() {
    std::random_device rd;
    root = fs::temp_directory_path() / ("streamopt-origin-test-" + std::to_string(rd()));
    const fs::path clip = root / "clip";
    fs::create_directories(clip / "sizes");
    std::ofstream(clip / "ladder.json")
        << R"({"name": "clip", "segment_duration_s": 4, "segments": 4, "rungs": [)"
        << R"({"bitrate_kbps": 500, "sizes_file": "sizes/r0"}, {"bitrate_kbps": 2500, "sizes_file": "sizes/r1"}]})";
    std::ofstream(clip / "sizes" / "r0") << "250000\n250000\n250000\n250000\n";
    std::ofstream(clip / "sizes" / "r1") << "1250000\n1250000\n1250000\n1250000\n";
    for (int i = 1; i <= 4; ++i) {
      write_file(clip / "r0" / ("seg_" + std::to_string(i) + ".m4s"), 250000);
      write_file(clip / "r1" / ("seg_" + std::to_string(i) + ".m4s"), 1250000);
    }
    write_file(clip / "r0" / "init.mp4", 700);
    write_file(clip / "manifest.mpd", 300, ' ');
    write_file(clip / "master.m3u8", 100, ' ');
    write_file(clip / ".hidden", 10);
    write_file(root / "other" / "a.ts", 10);
    write_file(root.parent_path() / (root.filename().string() + "-secret.txt"), 10);
    fs::create_symlink(root.parent_path() / (root.filename().string() + "-secret.txt"), clip / "r0" / "evil.m4s");
  }
  ~OriginTree() {
    std::error_code ec;
    fs::remove_all(root, ec);
    fs::remove(root.parent_path() / (root.filename().string() + "-secret.txt"), ec);
  }
  fs::path root;
};

struct Fixture {
  explicit Fixture(std::string abr = "robust_mpc", std::size_t max_sessions = 10'000) {
    ServiceConfig config;
    config.max_sessions = max_sessions;
    config.session_id_seed = 3;
    config.clock_s = [this] { return now_s.load(); };
    config.origin_dir = tree.root;
    config.origin_abr = std::move(abr);
    service = std::make_unique<Service>(TitleMap{}, config);
  }

  HttpResponse get(std::string_view target, std::vector<HttpHeader> headers = {}, std::string_view method = "GET") {
    return service->handle(HttpRequest{method, target, headers, {}});
  }

  std::string metrics() { return get("/metrics").body; }

  OriginTree tree;
  std::atomic<double> now_s{1000};
  std::unique_ptr<Service> service;
};

std::string header(const HttpResponse& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("Origin: files are served with their type, length and CORS headers", "[serve][origin]") {
  Fixture f;
  const auto mpd = f.get("/media/clip/manifest.mpd");
  REQUIRE(mpd.status == 200);
  CHECK(mpd.content_type == "application/dash+xml");
  REQUIRE(mpd.file);
  CHECK(mpd.file->length == 300);
  CHECK(mpd.file->send);
  CHECK(mpd.origin);
  CHECK(header(mpd, "Access-Control-Allow-Origin") == "*");
  CHECK_THAT(header(mpd, "Access-Control-Expose-Headers"), Contains("CMSD-Dynamic") && Contains("CMSD-Static"));
  CHECK(f.get("/media/clip/master.m3u8").content_type == "application/vnd.apple.mpegurl");
  CHECK(f.get("/media/clip/r0/init.mp4").content_type == "video/mp4");
  CHECK(f.get("/media/clip/r0/seg_1.m4s").content_type == "video/iso.segment");
  CHECK(f.get("/media/other/a.ts").content_type == "video/mp2t");

  const auto head = f.get("/media/clip/r0/seg_1.m4s", {}, "HEAD");
  REQUIRE(head.file);
  CHECK_FALSE(head.file->send);
  CHECK(head.file->length == 250000);

  std::string bytes(16, '\0');
  CHECK(mpd.file->file->read_at(0, std::span<char>(bytes.data(), bytes.size())) == 16);
  CHECK(bytes == std::string(16, ' '));
}

TEST_CASE("Origin: a single Range is 206, one past the end 416, others are ignored", "[serve][origin]") {
  Fixture f;
  const auto part = f.get("/media/clip/r0/init.mp4", {{"Range", "bytes=100-199"}});
  REQUIRE(part.status == 206);
  REQUIRE(part.file);
  CHECK(part.file->offset == 100);
  CHECK(part.file->length == 100);
  CHECK(header(part, "Content-Range") == "bytes 100-199/700");
  const auto suffix = f.get("/media/clip/r0/init.mp4", {{"Range", "bytes=-50"}});
  CHECK(header(suffix, "Content-Range") == "bytes 650-699/700");
  const auto open_end = f.get("/media/clip/r0/init.mp4", {{"Range", "bytes=600-"}});
  CHECK(header(open_end, "Content-Range") == "bytes 600-699/700");
  const auto past = f.get("/media/clip/r0/init.mp4", {{"Range", "bytes=700-800"}});
  CHECK(past.status == 416);
  CHECK(header(past, "Content-Range") == "bytes */700");
  const auto multi = f.get("/media/clip/r0/init.mp4", {{"Range", "bytes=0-1,5-6"}});
  CHECK(multi.status == 200);
  CHECK(multi.file->length == 700);
}

TEST_CASE("Origin: traversal, encoded dots, absolute paths and symlinks out are refused", "[serve][origin]") {
  Fixture f;
  for (const char* target : {"/media/clip/../clip/manifest.mpd", "/media/clip/%2e%2e/clip/manifest.mpd",
                             "/media/clip/%2E%2E/%2E%2E/etc/passwd", "/media//etc/passwd", "/media/clip/./ladder.json",
                             "/media/clip%2F..%2F..%2Fetc%2Fpasswd", "/media/clip/r0/seg_1.m4s%00", "/media/clip/%zz",
                             "/media/clip/r0/", "/media/"}) {
    INFO(target);
    const auto r = f.get(target);
    CHECK(r.status == 400);
    CHECK_FALSE(r.file);
  }
  for (const char* target : {"/media/clip/r0/evil.m4s", "/media/clip/.hidden", "/media/clip/r0", "/media/nope/x.m4s",
                             "/media/clip/r0/seg_9.m4s", "/media/clip"}) {
    INFO(target);
    const auto r = f.get(target);
    CHECK(r.status == 404);
    CHECK_FALSE(r.file);
    CHECK(header(r, "Access-Control-Allow-Origin") == "*");
  }
}

TEST_CASE("Origin: OPTIONS answers the CORS preflight of CMCD headers; other methods are 405", "[serve][origin]") {
  Fixture f;
  const auto pre = f.get("/media/clip/r0/seg_1.m4s", {{"Access-Control-Request-Headers", "cmcd-request"}}, "OPTIONS");
  CHECK(pre.status == 204);
  CHECK_THAT(header(pre, "Access-Control-Allow-Headers"),
             Contains("CMCD-Request") && Contains("CMCD-Object") && Contains("CMCD-Status") &&
                 Contains("CMCD-Session") && Contains("Range"));
  CHECK_THAT(header(pre, "Access-Control-Allow-Methods"), Contains("GET") && Contains("HEAD"));
  const auto post = f.get("/media/clip/r0/seg_1.m4s", {}, "POST");
  CHECK(post.status == 405);
  CHECK(header(post, "Allow") == "GET, HEAD, OPTIONS");
}

TEST_CASE("Origin: without --origin, /media/ is an unknown route as before", "[serve][origin]") {
  ServiceConfig config;
  Service service(TitleMap{}, config);
  const auto r = service.handle({"GET", "/media/clip/manifest.mpd", {}, {}});
  CHECK(r.status == 404);
  CHECK(r.headers.empty());
  CHECK(service.handle({"GET", "/metrics", {}, {}}).body.find("origin") == std::string::npos);
}

TEST_CASE("Origin: a CMCD session by sid reports each download and answers with the controller's mb",
          "[serve][origin][cmcd]") {
  Fixture f("robust_mpc");
  const Manifest manifest = Manifest::load(f.tree.root / "clip");
  // The first request of sid "p1": segment 0 (seg_1) at 500 kbps, buffer empty.
  const auto first = f.get("/media/clip/r0/seg_1.m4s?CMCD=bl%3D0%2Cbr%3D500%2Cot%3Dv%2Csid%3D%22p1%22%2Csu");
  REQUIRE(first.status == 200);
  const std::string dynamic0 = header(first, "CMSD-Dynamic");
  CHECK_THAT(dynamic0, Contains("\"streamopt\";") && Contains(";mb="));
  CHECK(header(first, "CMSD-Static") == "ot=v,st=v,br=500,d=4000");
  REQUIRE(first.on_sent);
  f.now_s = 1000.5;  // written in full 0.5 s later: 4 Mbit/s on the service side
  first.on_sent(true);

  // The same session in-process: the report the origin makes and the state it decides on.
  auto reference = checked_controller(Registry::builtin().make_abr("robust_mpc", std::make_shared<Manifest>(manifest)),
                                      std::make_shared<Manifest>(manifest));
  {
    PlayerState s0;
    s0.now_s = 0;
    s0.buffer_s = 0;
    s0.next_segment = 1;
    s0.segments_left = 3;
    s0.last_rung = 0;
    const Decision d0 = reference->decide(s0);
    CHECK(dynamic0 == "\"streamopt\";mb=" + std::to_string(mb_kbps_for_rung(manifest, d0.rung)));
  }
  DownloadReport report;
  report.segment = 0;
  report.rung = 0;
  report.size_bytes = 250000;
  report.start_time_s = 0;
  report.download_time_s = 0.5;
  reference->on_download(report);
  PlayerState s1;
  s1.now_s = 1.0;
  s1.buffer_s = 4.0;
  s1.next_segment = 2;
  s1.segments_left = 2;
  s1.last_rung = 0;
  const Decision d1 = reference->decide(s1);

  f.now_s = 1001;
  const auto second = f.get("/media/clip/r0/seg_2.m4s", {{"CMCD-Request", "bl=4000"},
                                                         {"CMCD-Object", "br=500,ot=v"},
                                                         {"CMCD-Session", "sid=\"p1\""}});
  REQUIRE(second.status == 200);
  const std::string dynamic1 = header(second, "CMSD-Dynamic");
  INFO(dynamic1);
  CHECK_THAT(dynamic1, Contains(";mb=" + std::to_string(mb_kbps_for_rung(manifest, d1.rung))));
  CHECK_THAT(dynamic1, Contains(";etp=" + std::to_string(std::llround(d1.reasons.estimate_bps / 1e3))));

  const std::string m = f.metrics();
  CHECK(has_line(m, "streamopt_origin_sessions 1"));
  CHECK(has_line(m, "streamopt_origin_sessions_created_total 1"));
  CHECK(has_line(m, "streamopt_cmcd_requests_total 2"));
  CHECK(has_line(m, "streamopt_cmsd_responses_total 2"));
  CHECK(has_line(m, "streamopt_decisions_total{controller=\"robust_mpc\"} 2"));
}

TEST_CASE("Origin: a slow mtp makes the report slower than the service-side time", "[serve][origin][cmcd]") {
  Fixture f("rate");
  const Manifest manifest = Manifest::load(f.tree.root / "clip");
  const auto first = f.get("/media/clip/r1/seg_1.m4s?CMCD=br%3D2500%2Cot%3Dv%2Csid%3D%22p2%22");
  f.now_s = 1000.01;  // loopback-fast on the service side
  first.on_sent(true);
  f.now_s = 1001;
  // The player measured 600 kbps: 1.25 MB took ~16.7 s, so the rate rule goes low.
  const auto second = f.get("/media/clip/r1/seg_2.m4s?CMCD=bl%3D8000%2Cbr%3D2500%2Cmtp%3D600%2Cot%3Dv%2Csid%3D%22p2%22");
  CHECK_THAT(header(second, "CMSD-Dynamic"), Contains(";mb=" + std::to_string(mb_kbps_for_rung(manifest, 0))));
}

TEST_CASE("Origin: malformed CMCD is counted and the file is served without CMSD", "[serve][origin][cmcd]") {
  Fixture f;
  const auto r = f.get("/media/clip/r0/seg_1.m4s?CMCD=bl%3Dabc%2Csid%3D%22p3%22");
  CHECK(r.status == 200);
  REQUIRE(r.file);
  CHECK(header(r, "CMSD-Dynamic").empty());
  const auto headers_bad = f.get("/media/clip/r0/seg_1.m4s", {{"CMCD-Session", "sid=p3"}});
  CHECK(headers_bad.status == 200);
  const std::string m = f.metrics();
  CHECK(has_line(m, "streamopt_cmcd_errors_total 2"));
  CHECK(has_line(m, "streamopt_origin_sessions 0"));
}

TEST_CASE("Origin: audio, init and manifest requests and titles without a manifest carry no CMSD",
          "[serve][origin][cmcd]") {
  Fixture f;
  CHECK(header(f.get("/media/clip/r0/seg_1.m4s?CMCD=ot%3Da%2Csid%3D%22p4%22"), "CMSD-Dynamic").empty());
  CHECK(header(f.get("/media/clip/r0/init.mp4?CMCD=ot%3Di%2Csid%3D%22p4%22"), "CMSD-Dynamic").empty());
  CHECK(header(f.get("/media/clip/manifest.mpd?CMCD=ot%3Dm%2Csid%3D%22p4%22"), "CMSD-Dynamic").empty());
  CHECK(header(f.get("/media/other/a.ts?CMCD=ot%3Dv%2Csid%3D%22p4%22"), "CMSD-Dynamic").empty());
  CHECK(has_line(f.metrics(), "streamopt_origin_sessions 0"));
  // Without `ot` a media file's name decides; the rung comes from the file's size.
  const auto guessed = f.get("/media/clip/r1/seg_1.m4s?CMCD=sid%3D%22p5%22");
  CHECK(header(guessed, "CMSD-Static") == "ot=v,st=v,br=2500,d=4000");
}

TEST_CASE("Origin: sessions expire after the TTL like API sessions", "[serve][origin][cmcd]") {
  Fixture f;
  (void)f.get("/media/clip/r0/seg_1.m4s?CMCD=sid%3D%22p6%22%2Cot%3Dv");
  CHECK(has_line(f.metrics(), "streamopt_origin_sessions 1"));
  f.now_s = 1000 + 301;
  CHECK(f.service->expire_idle() == 1);
  const std::string m = f.metrics();
  CHECK(has_line(m, "streamopt_origin_sessions 0"));
  CHECK(has_line(m, "streamopt_origin_sessions_expired_total 1"));
  CHECK(has_line(m, "streamopt_sessions_expired_total 0"));  // the API's sessions are counted apart
}

TEST_CASE("Origin: a full session store expires an idle session for a new sid, and counts it",
          "[serve][origin][cmcd]") {
  Fixture f("robust_mpc", 1);
  CHECK_FALSE(header(f.get("/media/clip/r0/seg_1.m4s?CMCD=sid%3D%22p7%22%2Cot%3Dv"), "CMSD-Dynamic").empty());
  // Full and nobody idle: p8 is served without a session (no CMSD-Dynamic).
  CHECK(header(f.get("/media/clip/r0/seg_1.m4s?CMCD=sid%3D%22p8%22%2Cot%3Dv"), "CMSD-Dynamic").empty());
  f.now_s = 1000 + 301;
  CHECK_FALSE(header(f.get("/media/clip/r0/seg_1.m4s?CMCD=sid%3D%22p8%22%2Cot%3Dv"), "CMSD-Dynamic").empty());
  const std::string m = f.metrics();
  CHECK(has_line(m, "streamopt_origin_sessions 1"));
  CHECK(has_line(m, "streamopt_origin_sessions_created_total 2"));
  CHECK(has_line(m, "streamopt_origin_sessions_expired_total 1"));
}

TEST_CASE("Origin: a bad --origin or --origin-abr stops the start with the name", "[serve][origin]") {
  ServiceConfig config;
  config.origin_dir = "/nonexistent/streamopt/origin";
  CHECK_THROWS_WITH(Service(TitleMap{}, config), Contains("--origin") && Contains("/nonexistent/streamopt/origin"));
  OriginTree tree;
  config.origin_dir = tree.root;
  config.origin_abr = "robust_mpc:horizn=5";
  CHECK_THROWS_WITH(Service(TitleMap{}, config), Contains("--origin-abr") && Contains("horizn"));
}

TEST_CASE("Fluid share: one body over a constant 8 Mbit/s trace takes N*8/8e6 s", "[serve][shape]") {
  const NetworkTrace trace = synth_constant(8e6, 10.0);
  FluidShare share(trace, 0.0);
  const std::uint64_t flow = share.open();
  std::uint64_t left = 1'000'000;
  double t = 0;
  share.want(flow, std::min<std::uint64_t>(left, 65536));
  while (left > 0 && t < 10) {
    t += 0.001;
    for (const auto& g : share.advance(t)) {
      REQUIRE(g.flow == flow);
      left -= g.bytes;
      if (left > 0) share.want(flow, std::min<std::uint64_t>(left, 65536));
    }
  }
  CHECK(left == 0);
  CHECK(t == Approx(1.0).margin(0.01));
}

TEST_CASE("Fluid share: two bodies share the capacity; one that ends gives the rest to the other", "[serve][shape]") {
  const NetworkTrace trace = synth_constant(8e6, 3.0);  // loops: 10 s of transfer over a 3 s trace
  FluidShare share(trace, 5.0);
  const std::uint64_t a = share.open();
  const std::uint64_t b = share.open();
  std::uint64_t left_a = 500'000;
  std::uint64_t left_b = 1'500'000;
  double done_a = 0;
  double done_b = 0;
  double t = 5.0;
  share.want(a, 65536);
  share.want(b, 65536);
  while ((left_a > 0 || left_b > 0) && t < 20) {
    t += 0.001;
    for (const auto& g : share.advance(t)) {
      std::uint64_t& left = g.flow == a ? left_a : left_b;
      REQUIRE(g.bytes <= left);
      left -= g.bytes;
      if (left > 0) {
        share.want(g.flow, std::min<std::uint64_t>(left, 65536));
      } else {
        (g.flow == a ? done_a : done_b) = t - 5.0;
        share.close(g.flow);
      }
    }
  }
  // a: 0.5 MB at half of 1 MB/s = 1 s; b: then the remaining 1 MB alone: 2 s in all.
  CHECK(done_a == Approx(1.0).margin(0.02));
  CHECK(done_b == Approx(2.0).margin(0.02));
  CHECK(share.open_flows() == 0);
}

TEST_CASE("Fluid share: a trace without capacity is refused", "[serve][shape]") {
  NetworkTrace dead = synth_constant(0, 5.0);
  dead.name = "dead";
  CHECK_THROWS_WITH(FluidShare(dead, 0.0), Contains("dead") && Contains("carries nothing"));
}
