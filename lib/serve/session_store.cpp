#include "serve/session_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace streamopt::serve {

namespace {

// SplitMix64's output function: a bijection of 64-bit words, so distinct
// counters give distinct ids.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

SessionStore::SessionStore(std::size_t max_sessions, double ttl_s, std::uint64_t id_seed)
    : IdleMap<Session>(max_sessions, ttl_s), id_seed_(id_seed != 0 ? id_seed : random_seed()) {}

std::string SessionStore::next_id() {
  const std::uint64_t n = id_counter_.fetch_add(1, std::memory_order_relaxed);
  // The first half is unique per counter; the second makes ids hard to guess.
  return fmt::format("{:016x}{:016x}", mix(id_seed_ + n * 0x9e3779b97f4a7c15ULL), mix(~id_seed_ ^ mix(n)));
}

std::optional<std::string> SessionStore::add(std::shared_ptr<Session> session, double now_s, AddOutcome& outcome) {
  std::string id = next_id();
  const PutOutcome put_outcome = put(id, std::move(session), now_s);
  outcome.expired = put_outcome.expired;
  if (!put_outcome.stored) {
    outcome.retry_after_s = std::max(1.0, std::ceil(std::min(put_outcome.next_expiry_s, ttl_s())));
    return std::nullopt;
  }
  return id;
}

}  // namespace streamopt::serve
