#pragma once
// CMCD (Common Media Client Data, CTA-5004) as the origin receives it: the
// `CMCD=` query parameter of a segment request or its CMCD-Request,
// CMCD-Object, CMCD-Status and CMCD-Session headers. Each holds a Structured
// Field dictionary (RFC 8941): comma-separated `key=value` members, strings
// quoted, tokens bare, booleans as a bare key. The parser is strict about
// syntax and about the types of the keys it knows (errors name the key and
// where it was), and ignores keys it does not know, as the spec asks.
// Docs: docs/serve.md#cmcd-in-cmsd-out.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/serve.hpp"

namespace streamopt::serve {

/// Longest `sid` or `cid` CMCD allows (64 characters).
inline constexpr std::size_t kMaxCmcdIdChars = 64;

/// The CMCD keys of one request that streamopt reads, in CMCD's units
/// (kbps, milliseconds), each absent when the request did not send it.
/// Integer keys are non-negative; CMCD v2's inner lists (one value per
/// media type) give their first value.
struct CmcdData {
  std::optional<std::string> sid;        ///< session id (String, at most 64 characters)
  std::optional<std::string> cid;        ///< content id (String, at most 64 characters)
  std::optional<std::int64_t> br_kbps;   ///< encoded bitrate of the requested object
  std::optional<std::int64_t> bl_ms;     ///< buffer length when the request was made
  std::optional<std::int64_t> mtp_kbps;  ///< throughput the player measured
  std::optional<std::int64_t> d_ms;      ///< playback duration of the object
  std::optional<std::int64_t> dl_ms;     ///< deadline: buffer left at the playback rate
  std::optional<std::int64_t> tb_kbps;   ///< top bitrate the player may pick
  std::optional<std::int64_t> rtp_kbps;  ///< throughput the player asks the server to deliver at most
  std::optional<std::int64_t> v;         ///< CMCD version (absent: 1)
  std::optional<double> pr;              ///< playback rate (1 = real time)
  std::optional<std::string> ot;         ///< object type: m, a, v, av, i, c, tt, k or o
  std::optional<std::string> sf;         ///< streaming format token (d = DASH, h = HLS, s = Smooth, o = other)
  std::optional<std::string> st;         ///< stream type token (v = VOD, l = live)
  std::optional<std::string> nor;        ///< next object request, relative URL
  std::optional<std::string> nrr;        ///< next range request, "start-end"
  bool su = false;                       ///< startup: the object is needed urgently
  bool bs = false;                       ///< buffer starvation since the last request
  std::size_t keys = 0;                  ///< members read, known or not; 0 = no CMCD at all
};

/// Reads the CMCD of one request: the `CMCD` parameter of `query` (the
/// target's part after '?', percent-decoded) and the four CMCD-* headers
/// of `headers`, merged into one `CmcdData`. Throws `Error` naming the
/// source ("CMCD query", "CMCD-Request header", ...) and the key on a
/// syntax error, a known key of the wrong type or out of range, or a key
/// sent twice (in one source or across sources).
CmcdData read_cmcd(std::string_view query, std::span<const HttpHeader> headers);

/// Parses one CMCD dictionary `payload` (already percent-decoded) from
/// `where` into `out`, refusing keys already in `seen` and adding the new
/// ones to it. `read_cmcd` calls it once per source; exposed for tests and
/// the fuzzer. Throws `Error` as `read_cmcd` does.
void parse_cmcd_payload(std::string_view payload, std::string_view where, CmcdData& out,
                        std::vector<std::string>& seen);

}  // namespace streamopt::serve
