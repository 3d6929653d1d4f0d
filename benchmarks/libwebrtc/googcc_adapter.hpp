#pragma once
// libwebrtc's GoogCC (from Debian's tg_owt fork) behind streamopt's
// CongestionController interface, so that the link simulator drives it with
// exactly the events it gives our controllers. Optional benchmark code: built
// only with -DSTREAMOPT_WITH_LIBWEBRTC=ON, never part of the library.
#include <memory>

#include "streamopt/cc.hpp"
#include "streamopt/registry.hpp"

namespace streamopt::bench {

/// Builds libwebrtc's GoogCcNetworkController for the given rate limits.
std::unique_ptr<CongestionController> make_libwebrtc_googcc(const CcConstraints& limits, const OptionMap& options);

/// The built-in registry plus "libwebrtc_googcc".
Registry registry_with_libwebrtc();

}  // namespace streamopt::bench
