// The decision service's handler takes whatever the network sends: any
// method, target, headers and body must get an answer (never a crash, a
// hang or a 500), and every answer but 204 and /metrics must be a JSON
// object (errors with an "error" string).
//
// Input: byte 0 picks the method (low 3 bits) and the route (next 3 bits);
// byte 1 picks which of the open sessions a session route names; a route of
// 7 takes the target from the input up to the first '\n'. Byte 2's low bit
// adds a Content-Type header of the rest of that line; its bit 1 makes the
// target "/media/clip/" + that line (the origin: a small packaged title in a
// temporary directory) and its bit 2 adds a CMCD-Request header of the
// body. The rest is the body. File answers must stay inside their file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/manifest.hpp"
#include "streamopt/serve.hpp"

namespace {

using namespace streamopt;
using namespace streamopt::serve;

constexpr std::size_t kSessions = 4;

struct Harness {
  Harness() {
    ServiceConfig config;
    config.max_sessions = 16;  // small, so 503 is reachable
    config.session_ttl_s = 1e6;
    config.max_body_bytes = 8192;
    config.session_id_seed = 1;
    origin = make_origin();
    config.origin_dir = origin;
    TitleMap titles{{"envivio", std::make_shared<const Manifest>(Manifest::synthetic_default(1))}};
    service = std::make_unique<Service>(std::move(titles), config);
  }

  ~Harness() {
    std::error_code ec;
    std::filesystem::remove_all(origin, ec);
  }

  // A two-rung, three-segment title "clip" with its ladder.json, segments numbered from 1.
  static std::filesystem::path make_origin() {
    char pattern[] = "/tmp/streamopt-fuzz-origin-XXXXXX";
    const char* dir = mkdtemp(pattern);
    if (dir == nullptr) __builtin_trap();
    const std::filesystem::path clip = std::filesystem::path(dir) / "clip";
    std::filesystem::create_directories(clip / "sizes");
    std::ofstream(clip / "ladder.json") << R"({"segment_duration_s": 2, "segments": 3, "rungs": [)"
                                        << R"({"bitrate_kbps": 300, "sizes_file": "sizes/r0"},)"
                                        << R"({"bitrate_kbps": 900, "sizes_file": "sizes/r1"}]})";
    std::ofstream(clip / "sizes" / "r0") << "7500\n7500\n7500\n";
    std::ofstream(clip / "sizes" / "r1") << "22500\n22500\n22500\n";
    for (int r = 0; r < 2; ++r) {
      std::filesystem::create_directories(clip / ("r" + std::to_string(r)));
      for (int i = 1; i <= 3; ++i) {
        std::ofstream(clip / ("r" + std::to_string(r)) / ("seg_" + std::to_string(i) + ".m4s"))
            << std::string(r == 0 ? 7500 : 22500, 'x');
      }
    }
    std::ofstream(clip / "manifest.mpd") << "<MPD/>";
    return dir;
  }

  // Keeps kSessions sessions open (the fuzzer deletes some), one per controller family.
  void refill() {
    static constexpr const char* kSpecs[kSessions] = {"bola", "robust_mpc:horizon=3", "dashjs", "bba"};
    for (std::size_t i = 0; i < kSessions; ++i) {
      if (!ids[i].empty() && alive(ids[i])) continue;
      const std::string body = std::string(R"({"title": "envivio", "abr": ")") + kSpecs[i] + "\"}";
      const HttpResponse r = service->handle({"POST", "/v1/sessions", {}, body});
      ids[i] = r.status == 201 ? nlohmann::json::parse(r.body).at("session").get<std::string>() : "";
    }
  }

  bool alive(const std::string& id) {
    const std::string target = "/v1/sessions/" + id + "/decide";
    return service->handle({"POST", target, {}, "{}"}).status != 404;
  }

  std::filesystem::path origin;
  std::unique_ptr<Service> service;
  std::string ids[kSessions];
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness harness;
  if (size < 3) return 0;
  harness.refill();
  static constexpr std::string_view kMethods[8] = {"GET", "POST", "DELETE", "PUT", "HEAD", "PATCH", "", "post"};
  const std::string_view method = kMethods[data[0] & 7];
  const std::string& id = harness.ids[data[1] % kSessions];
  std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
  std::string_view line;
  if (const auto nl = rest.find('\n'); nl != std::string_view::npos) {
    line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
  }
  std::string target;
  switch ((data[0] >> 3) & 7) {
    case 0: target = "/v1/sessions"; break;
    case 1: target = "/v1/sessions/" + id + "/download"; break;
    case 2: target = "/v1/sessions/" + id + "/decide"; break;
    case 3: target = "/v1/sessions/" + id; break;
    case 4: target = "/healthz"; break;
    case 5: target = "/metrics"; break;
    case 6: target = "/v1/sessions/" + std::string(line) + "/decide"; break;
    default: target = std::string(line); break;
  }
  if (data[2] & 2) target = "/media/clip/" + std::string(line);
  std::vector<HttpHeader> headers;
  if (data[2] & 1) headers.push_back({"Content-Type", line});
  if (data[2] & 4) headers.push_back({"CMCD-Request", rest});
  const HttpResponse r = harness.service->handle({method, target, headers, rest});
  if (r.status == 500) __builtin_trap();
  if (r.file && (!r.file->file || r.file->offset + r.file->length > r.file->file->size_bytes())) __builtin_trap();
  if (r.on_sent) r.on_sent(true);
  if (r.status == 204 || r.content_type != "application/json") return 0;
  const auto doc = nlohmann::json::parse(r.body, nullptr, false);
  if (!doc.is_object()) __builtin_trap();
  if (r.status >= 400 && !(doc.contains("error") && doc["error"].is_string())) __builtin_trap();
  return 0;
}
