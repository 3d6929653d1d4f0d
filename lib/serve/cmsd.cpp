#include "serve/cmsd.hpp"

#include <fmt/format.h>

#include <cmath>

namespace streamopt::serve {

std::string format_cmsd_dynamic(const CmsdDynamic& dynamic) {
  std::string params;
  if (dynamic.etp_kbps) params += fmt::format(";etp={}", *dynamic.etp_kbps);
  if (dynamic.mb_kbps) params += fmt::format(";mb={}", *dynamic.mb_kbps);
  if (dynamic.rtt_ms) params += fmt::format(";rtt={}", *dynamic.rtt_ms);
  if (params.empty()) return {};
  return fmt::format("\"{}\"{}", kCmsdServerId, params);
}

std::string format_cmsd_static(const CmsdStatic& fixed) {
  std::string out;
  const auto add = [&out](std::string_view key, const std::string& value) {
    if (!out.empty()) out += ',';
    out += key;
    out += '=';
    out += value;
  };
  if (fixed.ot) add("ot", *fixed.ot);
  if (fixed.st) add("st", *fixed.st);
  if (fixed.br_kbps) add("br", fmt::format("{}", *fixed.br_kbps));
  if (fixed.d_ms) add("d", fmt::format("{}", *fixed.d_ms));
  return out;
}

std::int64_t mb_kbps_for_rung(const Manifest& manifest, std::size_t rung) {
  const auto kbps = [&manifest](std::size_t r) { return static_cast<std::int64_t>(std::ceil(manifest.bitrate_bps(r) / 1e3)); };
  const std::int64_t own = kbps(rung);
  if (rung + 1 < manifest.rung_count()) {
    const std::int64_t next = static_cast<std::int64_t>(std::floor(manifest.bitrate_bps(rung + 1) / 1e3));
    return std::max(own, next - 1);  // below the next rung: it stays excluded
  }
  if (rung > 0) return own + std::max<std::int64_t>(0, own - kbps(rung - 1) - 1);
  return 2 * own;
}

}  // namespace streamopt::serve
