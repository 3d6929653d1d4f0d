// The packet-level bottleneck of the edge simulator: an event queue of
// packets leaving the bottleneck, reaching players and acknowledgements
// reaching the server. Each player's persistent connection is a Reno-like
// sender; the bottleneck is one queue with a delay limit, served FIFO until
// an allocator gives target rates, then by start-time fair queueing (Goyal,
// Vin and Cheng, SIGCOMM 1996) with the rates as weights.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <queue>

#include "edge/edge_link.hpp"

namespace streamopt::edge {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPacketBits = 1500 * 8;
constexpr double kInitialWindow = 10;   // packets (RFC 6928)
constexpr double kIdleRestartS = 1.0;   // slow-start restart after this long idle (RFC 5681 4.1, one RTO)
constexpr double kMinQueuePackets = 8;  // the queue holds at least this many whatever the capacity

enum class Ev { server_start, departure, delivered, ack, loss, retry };

struct Event {
  double time_s;
  std::uint64_t order;  // FIFO among equal times
  Ev kind;
  std::size_t id;
  std::uint64_t generation;
  double bits;             // delivered: the packet's payload
  std::uint64_t sequence;  // loss: the packet to send again
  bool operator>(const Event& o) const { return time_s != o.time_s ? time_s > o.time_s : order > o.order; }
};

struct Packet {
  double tag;           // service order: arrival time (FIFO) or start tag (fair queueing)
  std::uint64_t order;
  std::size_t id;
  std::uint64_t generation;
  std::uint64_t sequence;
  double bits;
  bool operator>(const Packet& o) const { return tag != o.tag ? tag > o.tag : order > o.order; }
};

struct Connection {
  double rtt_s = 0;
  double weight_bps = 0;
  bool busy = false;
  std::uint64_t generation = 0;
  std::uint64_t packets = 0, next_sequence = 0, delivered = 0, inflight = 0;
  double last_bits = kPacketBits;  // size of the last packet of the download
  std::deque<std::uint64_t> lost;  // sequences to send again
  double cwnd = kInitialWindow, ssthresh = kInf;
  double last_activity_s = -kInf, recovery_until_s = -kInf;
  double finish_tag = 0;  // fair queueing: the last packet's finish tag
};

class PacketLink final : public EdgeLink {
 public:
  PacketLink(const sim::LoopedCapacity& capacity, double queue_limit_s)
      : capacity_(capacity), queue_limit_s_(queue_limit_s) {}

  void start(std::size_t id, double bits, double request_s, double rtt_s) override {
    Connection& c = connections_[id];
    c.rtt_s = rtt_s;
    c.busy = true;
    ++c.generation;
    c.packets = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(bits / kPacketBits)));
    c.last_bits = bits - kPacketBits * static_cast<double>(c.packets - 1);
    c.next_sequence = c.delivered = c.inflight = 0;
    c.lost.clear();
    push(request_s + rtt_s / 2, Ev::server_start, id, c.generation, 0);
  }

  void set_weight(std::size_t id, double weight_bps) override {
    connections_[id].weight_bps = weight_bps;
    if (weight_bps > 0) fair_ = true;
  }

  void forget(std::size_t id) override { connections_.erase(id); }

  double run_until(double limit_s, std::vector<std::size_t>& finished) override {
    while (!events_.empty() && events_.top().time_s <= limit_s) {
      const Event e = events_.top();
      events_.pop();
      now_s_ = e.time_s;
      handle(e, finished);
      if (!finished.empty()) return now_s_;
    }
    now_s_ = std::max(now_s_, limit_s);
    return now_s_;
  }

  [[nodiscard]] double delivered_bits() const override { return delivered_bits_; }

  [[nodiscard]] std::size_t downloads() const override {
    return static_cast<std::size_t>(
        std::count_if(connections_.begin(), connections_.end(), [](const auto& kv) { return kv.second.busy; }));
  }

 private:
  void push(double time_s, Ev kind, std::size_t id, std::uint64_t generation, double bits,
            std::uint64_t sequence = 0) {
    events_.push(Event{time_s, order_++, kind, id, generation, bits, sequence});
  }

  // The connection an event is for, or null when it is stale (the player
  // left, or the event belongs to an earlier download).
  Connection* live(const Event& e) {
    const auto it = connections_.find(e.id);
    if (it == connections_.end() || it->second.generation != e.generation) return nullptr;
    return &it->second;
  }

  void handle(const Event& e, std::vector<std::size_t>& finished) {
    switch (e.kind) {
      case Ev::server_start:
        if (Connection* c = live(e)) {
          if (now_s_ - c->last_activity_s > kIdleRestartS) c->cwnd = std::min(c->cwnd, kInitialWindow);
          c->last_activity_s = now_s_;
          send(e.id, *c);
        }
        break;
      case Ev::departure:
        in_service_ = false;
        serve();
        break;
      case Ev::delivered:
        if (Connection* c = live(e)) {
          delivered_bits_ += e.bits;
          if (c->busy && ++c->delivered == c->packets) {
            c->busy = false;
            finished.push_back(e.id);
          }
        }
        break;
      case Ev::ack:
        if (Connection* c = live(e)) {
          if (c->inflight > 0) --c->inflight;
          c->cwnd += c->cwnd < c->ssthresh ? 1.0 : 1.0 / c->cwnd;
          c->last_activity_s = now_s_;
          send(e.id, *c);
        }
        break;
      case Ev::loss:
        if (Connection* c = live(e)) {
          if (c->inflight > 0) --c->inflight;
          if (now_s_ >= c->recovery_until_s) {  // one halving per window
            c->cwnd = std::max(2.0, c->cwnd / 2);
            c->ssthresh = c->cwnd;
            c->recovery_until_s = now_s_ + c->rtt_s;
          }
          c->lost.push_back(e.sequence);
          send(e.id, *c);
        }
        break;
      case Ev::retry:
        retry_pending_ = false;
        serve();
        break;
    }
  }

  // Sends what the window allows: lost packets first, then new ones.
  void send(std::size_t id, Connection& c) {
    while (c.busy && static_cast<double>(c.inflight) < std::floor(c.cwnd)) {
      std::uint64_t sequence;
      if (!c.lost.empty()) {
        sequence = c.lost.front();
        c.lost.pop_front();
      } else if (c.next_sequence < c.packets) {
        sequence = c.next_sequence++;
      } else {
        break;
      }
      ++c.inflight;
      enqueue(id, c, sequence, sequence + 1 == c.packets ? c.last_bits : kPacketBits);
    }
  }

  void enqueue(std::size_t id, Connection& c, std::uint64_t sequence, double bits) {
    const double rate = capacity_.rate_bps(now_s_);
    const double limit_bits = std::max(rate * queue_limit_s_, kMinQueuePackets * kPacketBits);
    if (backlog_bits_ + bits > limit_bits) {  // tail drop: the sender learns of it an RTT later
      push(now_s_ + c.rtt_s, Ev::loss, id, c.generation, 0, sequence);
      return;
    }
    double tag = now_s_;
    if (fair_) {
      // A connection without a target rate weighs as 1 Mbit/s.
      const double weight = c.weight_bps > 0 ? c.weight_bps : 1e6;
      tag = std::max(virtual_s_, c.finish_tag);
      c.finish_tag = tag + bits / weight;
    }
    queue_.push(Packet{tag, order_++, id, c.generation, sequence, bits});
    backlog_bits_ += bits;
    serve();
  }

  void serve() {
    if (in_service_ || queue_.empty()) return;
    const double rate = capacity_.rate_bps(now_s_);
    if (rate <= 0) {  // an outage: try again when the capacity changes
      if (!retry_pending_) {
        retry_pending_ = true;
        push(capacity_.next_change_s(now_s_), Ev::retry, 0, 0, 0);
      }
      return;
    }
    const Packet p = queue_.top();
    queue_.pop();
    backlog_bits_ -= p.bits;
    if (fair_) virtual_s_ = p.tag;
    in_service_ = true;
    const double done_s = now_s_ + p.bits / rate;
    push(done_s, Ev::departure, 0, 0, 0);
    const auto it = connections_.find(p.id);
    const double rtt = it == connections_.end() ? 0.0 : it->second.rtt_s;
    push(done_s + rtt / 2, Ev::delivered, p.id, p.generation, p.bits);
    push(done_s + rtt, Ev::ack, p.id, p.generation, 0);
  }

  const sim::LoopedCapacity& capacity_;
  double queue_limit_s_;
  std::map<std::size_t, Connection> connections_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::priority_queue<Packet, std::vector<Packet>, std::greater<>> queue_;
  std::uint64_t order_ = 0;
  double now_s_ = 0;
  double backlog_bits_ = 0;
  double virtual_s_ = 0;
  double delivered_bits_ = 0;
  bool in_service_ = false;
  bool retry_pending_ = false;
  bool fair_ = false;
};

}  // namespace

std::unique_ptr<EdgeLink> make_packet_link(const sim::LoopedCapacity& capacity, double queue_limit_s) {
  return std::make_unique<PacketLink>(capacity, queue_limit_s);
}

}  // namespace streamopt::edge
