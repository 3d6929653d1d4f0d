// CMCD as a player (or anyone) sends it to the origin: the query parameter
// and the four CMCD-* headers must parse or fail with an `Error` naming
// where, never crash, hang or read out of bounds; what parses must hold
// values in CMCD's ranges.
//
// Input: byte 0's low 3 bits pick the source (0: the whole rest as a query
// string, 1-4: one header, 5: query up to the first '\n' and the rest as a
// CMCD-Request header, 6-7: the raw payload parser).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "serve/cmcd.hpp"
#include "streamopt/error.hpp"

using namespace streamopt;
using namespace streamopt::serve;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr std::string_view kHeaders[4] = {"CMCD-Request", "CMCD-Object", "CMCD-Status", "CMCD-Session"};
  const unsigned source = data[0] & 7;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  CmcdData c;
  try {
    if (source == 0) {
      c = read_cmcd(rest, {});
    } else if (source <= 4) {
      const std::vector<HttpHeader> headers = {{kHeaders[source - 1], rest}};
      c = read_cmcd({}, headers);
    } else if (source == 5) {
      const auto nl = rest.find('\n');
      const std::string_view query = rest.substr(0, nl);
      const std::string_view header = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
      const std::vector<HttpHeader> headers = {{"cmcd-request", header}};
      c = read_cmcd(query, headers);
    } else {
      std::vector<std::string> seen;
      parse_cmcd_payload(rest, "fuzz", c, seen);
    }
  } catch (const Error&) {
    return 0;
  }
  const auto bad = [](const std::optional<std::int64_t>& v) { return v && *v < 0; };
  if (bad(c.br_kbps) || bad(c.bl_ms) || bad(c.mtp_kbps) || bad(c.d_ms) || bad(c.tb_kbps) || bad(c.rtp_kbps)) {
    __builtin_trap();
  }
  if ((c.sid && c.sid->size() > kMaxCmcdIdChars) || (c.cid && c.cid->size() > kMaxCmcdIdChars)) __builtin_trap();
  if (c.pr && !(*c.pr > 0)) __builtin_trap();
  if (c.v && *c.v < 1) __builtin_trap();
  return 0;
}
