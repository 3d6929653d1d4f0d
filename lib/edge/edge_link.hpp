#pragma once
// The bottleneck of the edge simulator, behind one interface so that the
// fluid model (fast, any N) and the packet-level model (TCP-like flows
// through a queue, for fidelity on small N) are interchangeable. The link
// owns each download from its request to its last byte: the request's trip
// to the server, the data's trip back and, at packet level, the queue.
#include <cstddef>
#include <memory>
#include <vector>

#include "sim/looped_capacity.hpp"

namespace streamopt::edge {

class EdgeLink {
 public:
  virtual ~EdgeLink() = default;
  // A download of `bits` for player `id`, requested at `request_s` (>= the
  // link's clock) by a player `rtt_s` away. One download per id at a time.
  virtual void start(std::size_t id, double bits, double request_s, double rtt_s) = 0;
  // Sets player `id`'s target rate (its weight in the link's sharing; 0:
  // none, an equal share). Applies to its current and later downloads.
  virtual void set_weight(std::size_t id, double weight_bps) = 0;
  // Forgets player `id` (its session ended).
  virtual void forget(std::size_t id) = 0;
  // Runs until `limit_s` or until downloads complete, whichever is first;
  // appends the ids whose last byte arrived to `finished` and returns the
  // time reached (<= limit_s).
  virtual double run_until(double limit_s, std::vector<std::size_t>& finished) = 0;
  // Payload bits delivered to players so far.
  [[nodiscard]] virtual double delivered_bits() const = 0;
  // Downloads requested and not finished.
  [[nodiscard]] virtual std::size_t downloads() const = 0;
};

// Fluid sharing: the active downloads share the capacity at every instant in
// proportion to their weights (equally without weights); bytes flow from one
// RTT after the request.
std::unique_ptr<EdgeLink> make_fluid_link(const sim::LoopedCapacity& capacity);

// Packet level: 1500-byte packets through one drop-tail queue at the
// capacity (FIFO without weights, start-time fair queueing by weight with
// them), each player's persistent connection a Reno-like sender (IW10, slow
// start, AIMD, slow-start restart after an idle second), half the RTT each
// way between the bottleneck and the player.
std::unique_ptr<EdgeLink> make_packet_link(const sim::LoopedCapacity& capacity, double queue_limit_s);

}  // namespace streamopt::edge
