// CMCD in (CTA-5004) and CMSD out (CTA-5006): the parser's accepted forms,
// its errors naming the key, and the header values dash.js decodes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "serve/cmcd.hpp"
#include "serve/cmsd.hpp"
#include "serve/url.hpp"
#include "streamopt/error.hpp"

using namespace streamopt;
using namespace streamopt::serve;
using Catch::Matchers::Contains;

namespace {

CmcdData parse(std::string_view payload) {
  CmcdData out;
  std::vector<std::string> seen;
  parse_cmcd_payload(payload, "test", out, seen);
  return out;
}

std::string error_of(std::string_view payload) {
  try {
    (void)parse(payload);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("CMCD: dash.js's payload gives every key in CMCD's units", "[serve][cmcd]") {
  const CmcdData c = parse(R"(bl=21300,br=3200,bs,cid="faec5fc2-ac30-11eabb37-0242ac130002",d=4004,dl=18500,)"
                           R"(mtp=48100,nor="..%2F300kbps%2Ftrack.m4v",nrr="12323-48763",ot=v,pr=1.08,rtp=12000,)"
                           R"(sf=d,sid="6e2fb550-c457-11e9-bb97-0800200c9a66",st=v,su,tb=6000,v=1)");
  CHECK(c.bl_ms == 21300);
  CHECK(c.br_kbps == 3200);
  CHECK(c.bs);
  CHECK(c.cid == "faec5fc2-ac30-11eabb37-0242ac130002");
  CHECK(c.d_ms == 4004);
  CHECK(c.dl_ms == 18500);
  CHECK(c.mtp_kbps == 48100);
  CHECK(c.nor == "..%2F300kbps%2Ftrack.m4v");
  CHECK(c.nrr == "12323-48763");
  CHECK(c.ot == "v");
  REQUIRE(c.pr);
  CHECK(*c.pr == Approx(1.08));
  CHECK(c.rtp_kbps == 12000);
  CHECK(c.sf == "d");
  CHECK(c.sid == "6e2fb550-c457-11e9-bb97-0800200c9a66");
  CHECK(c.st == "v");
  CHECK(c.su);
  CHECK(c.tb_kbps == 6000);
  CHECK(c.v == 1);
  CHECK(c.keys == 18);
}

TEST_CASE("CMCD: unknown and custom keys are ignored, ?0 is false, spaces after commas are allowed", "[serve][cmcd]") {
  const CmcdData c = parse(R"(br=800, com.example-key="x", zz=12;p=1, su=?0, ltc=(1 2), bl=(300 400))");
  CHECK(c.br_kbps == 800);
  CHECK_FALSE(c.su);
  CHECK(c.bl_ms == 300);  // a CMCD v2 inner list: the first value
  CHECK(c.keys == 6);
  CHECK(parse("").keys == 0);
}

TEST_CASE("CMCD: a malformed payload is an error naming the key", "[serve][cmcd]") {
  CHECK_THAT(error_of("br=abc"), Contains("key 'br'") && Contains("Integer"));
  CHECK_THAT(error_of("br=-5"), Contains("key 'br'") && Contains("below 0"));
  CHECK_THAT(error_of("bl=1.5"), Contains("key 'bl'") && Contains("Integer"));
  CHECK_THAT(error_of("sid=abc"), Contains("key 'sid'") && Contains("String"));
  CHECK_THAT(error_of("sid=\"" + std::string(65, 'a') + "\""), Contains("key 'sid'") && Contains("over 64"));
  CHECK_THAT(error_of("ot=x"), Contains("key 'ot'") && Contains("object type"));
  CHECK_THAT(error_of("su=1"), Contains("key 'su'") && Contains("Boolean"));
  CHECK_THAT(error_of("pr=0"), Contains("key 'pr'") && Contains("positive"));
  CHECK_THAT(error_of("br=1,br=2"), Contains("key 'br'") && Contains("twice"));
  CHECK_THAT(error_of("sid=\"abc"), Contains("key 'sid'") && Contains("not closed"));
  CHECK_THAT(error_of("br=1234567890123456"), Contains("key 'br'") && Contains("15 digits"));
  CHECK_THAT(error_of("Br=1"), Contains("lowercase"));
  CHECK_THAT(error_of("br=1,"), Contains("','"));
  CHECK_THAT(error_of("br=1;"), Contains("key 'br'"));
  CHECK_THAT(error_of("br=1 bl=2"), Contains("separated"));
  CHECK_THAT(error_of("v=0"), Contains("key 'v'"));
}

TEST_CASE("CMCD: the query parameter is percent-decoded and merged with the four headers", "[serve][cmcd]") {
  const std::vector<HttpHeader> headers = {{"cmcd-request", "bl=4000,mtp=2500"},
                                           {"CMCD-Object", "br=1850,ot=v"},
                                           {"CMCD-Session", R"(sid="s1",sf=d)"},
                                           {"CMCD-Status", "bs"}};
  const CmcdData h = read_cmcd("", headers);
  CHECK(h.bl_ms == 4000);
  CHECK(h.mtp_kbps == 2500);
  CHECK(h.br_kbps == 1850);
  CHECK(h.sid == "s1");
  CHECK(h.bs);
  const CmcdData q = read_cmcd("x=1&CMCD=br%3D1850%2Csid%3D%22s%201%22%2Csu&y", {});
  CHECK(q.br_kbps == 1850);
  CHECK(q.sid == "s 1");
  CHECK(q.su);
  // A key in both the query and a header is sent twice.
  const std::vector<HttpHeader> object = {{"CMCD-Object", "br=900"}};
  CHECK_THROWS_WITH(read_cmcd("CMCD=br%3D1850", object), Contains("CMCD-Object header") && Contains("twice"));
  CHECK_THROWS_WITH(read_cmcd("CMCD=br%3", {}), Contains("CMCD query") && Contains("hex"));
  CHECK_THROWS_WITH(read_cmcd("CMCD=br%3D1&CMCD=bl%3D2", {}), Contains("more than once"));
  CHECK(read_cmcd("a=1", {}).keys == 0);
}

TEST_CASE("CMSD: the header values are the Structured Fields dash.js decodes", "[serve][cmsd]") {
  CHECK(format_cmsd_dynamic({.etp_kbps = 4800, .mb_kbps = 2999, .rtt_ms = std::nullopt}) ==
        R"("streamopt";etp=4800;mb=2999)");
  CHECK(format_cmsd_dynamic({}).empty());
  CHECK(format_cmsd_static({.ot = "v", .st = "v", .br_kbps = 1850, .d_ms = 4000}) == "ot=v,st=v,br=1850,d=4000");
}

TEST_CASE("CMSD: mb admits the picked rung less an audio bitrate and excludes the rung above", "[serve][cmsd]") {
  const Manifest m = Manifest::synthetic({300e3, 750e3, 1850e3, 4300e3}, 4.0, 3);
  CHECK(mb_kbps_for_rung(m, 0) == 749);
  CHECK(mb_kbps_for_rung(m, 2) == 4299);
  // Top rung: its bitrate plus just under the step below.
  CHECK(mb_kbps_for_rung(m, 3) == 4300 + 2449);
  for (std::size_t r = 0; r < m.rung_count(); ++r) {
    const auto mb = static_cast<double>(mb_kbps_for_rung(m, r));
    CHECK(mb >= m.bitrate_bps(r) / 1e3 + 128 * (r + 1 < m.rung_count() ? 1 : 0));  // a 128 kbps audio still fits
    if (r + 1 < m.rung_count()) CHECK(mb < m.bitrate_bps(r + 1) / 1e3);
  }
}

TEST_CASE("URL helpers: percent-decoding is strict and query parameters are found once", "[serve]") {
  CHECK(percent_decode("a%2Fb+c", "t", true) == "a/b c");
  CHECK(percent_decode("a%2fb+c", "t", false) == "a/b+c");
  CHECK_THROWS_WITH(percent_decode("%g0", "path", false), Contains("path") && Contains("hex"));
  CHECK(query_parameter("a=1&b=2", "b") == std::optional<std::string_view>("2"));
  CHECK(query_parameter("a=1&b", "b") == std::optional<std::string_view>(""));
  CHECK_FALSE(query_parameter("a=1", "b"));
}
