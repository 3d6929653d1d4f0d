#pragma once
/// \file streamopt.hpp
/// Umbrella header of the streamopt core.

#include "streamopt/abr.hpp"
#include "streamopt/engine.hpp"
#include "streamopt/cc.hpp"
#include "streamopt/cc_sim.hpp"
#include "streamopt/error.hpp"
#include "streamopt/evaluate.hpp"
#include "streamopt/manifest.hpp"
#include "streamopt/options.hpp"
#include "streamopt/oracle.hpp"
#include "streamopt/predictor.hpp"
#include "streamopt/qoe.hpp"
#include "streamopt/registry.hpp"
#include "streamopt/simulator.hpp"
#include "streamopt/stats.hpp"
#include "streamopt/trace.hpp"
#include "streamopt/types.hpp"
#include "streamopt/validate.hpp"
#include "streamopt/version.hpp"
