#pragma once
/// \file engine.hpp
/// What a player embeds: value types, options, the registry with every
/// built-in predictor and controller, QoE models, congestion controllers and
/// input checks. Link `streamopt::engine` (pkg-config `streamopt-engine`);
/// no simulator, trace or file-format code comes with it.

#include "streamopt/abr.hpp"
#include "streamopt/allocator.hpp"
#include "streamopt/cc.hpp"
#include "streamopt/error.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/options.hpp"
#include "streamopt/predictor.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/stats.hpp"
#include "streamopt/types.hpp"
#include "streamopt/validate.hpp"
#include "streamopt/version.hpp"
