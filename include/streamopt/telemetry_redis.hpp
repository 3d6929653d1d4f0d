#pragma once
/// \file telemetry_redis.hpp
/// Telemetry over Redis Streams (component `streamopt::edge`, built with
/// STREAMOPT_WITH_REDIS; STREAMOPT_HAVE_REDIS is defined then). Service
/// replicas append events with RedisStreamSink (XADD, bounded length);
/// processors share them through a consumer group with
/// RedisStreamProcessor (XREADGROUP, XACK, and XAUTOCLAIM of a dead
/// processor's pending entries). docs/telemetry.md describes the stream
/// layout. No hiredis types in this header.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "streamopt/telemetry.hpp"

namespace streamopt {

/// The stream entry field that holds an event's JSON (to_json).
inline constexpr std::string_view kRedisEventField = "event";

/// A Redis server and the stream on it.
struct RedisEndpoint {
  std::string host = "127.0.0.1";          ///< host name or address
  int port = 6379;                         ///< TCP port, [1, 65535]
  std::string stream = "streamopt:telemetry";  ///< stream key
  /// "redis://HOST:PORT/STREAM", for messages.
  [[nodiscard]] std::string url() const;
};

/// Parses "redis://HOST[:PORT][/STREAM]" (port 6379 and stream
/// "streamopt:telemetry" when left out; an IPv6 host in brackets). The path
/// names the stream, not a database number. Throws Error naming the URL and
/// what is wrong (another scheme, an empty host, a bad port).
[[nodiscard]] RedisEndpoint parse_redis_url(std::string_view url);

/// Settings of a RedisStreamSink.
struct RedisSinkOptions {
  std::size_t queue_capacity = 10000;  ///< events waiting for the sender at most; more are dropped
  std::size_t max_len = 1000000;       ///< XADD MAXLEN ~ max_len: the stream's approximate bound
  std::size_t batch = 256;             ///< events per pipelined round trip
  double connect_timeout_s = 0.2;      ///< bound on one connection attempt
  double command_timeout_s = 0.5;      ///< bound on one round trip
  double retry_s = 0.5;                ///< wait between connection attempts while Redis is down
  double close_timeout_s = 1.0;        ///< how long the destructor keeps sending what is queued
};

/// What a RedisStreamSink did so far.
struct RedisSinkCounters {
  std::uint64_t sent = 0;     ///< events Redis acknowledged (XADD returned an id)
  std::uint64_t dropped = 0;  ///< events refused by emit (queue full, invalid) or left queued at close
  std::uint64_t failed = 0;   ///< events lost to a failed round trip (connection lost, error reply)
};

/// A sink that appends each event to a Redis stream (XADD STREAM MAXLEN ~ N
/// * event JSON). emit() serialises the event and queues it; a background
/// thread sends queued events in pipelined batches, connects and reconnects
/// (every retry_s while Redis is down) with short timeouts. emit() never
/// waits for the network: when the queue is full it drops the event and
/// returns false. Best-effort: a batch whose round trip fails is counted in
/// `failed`, not retried. Thread-safe.
class RedisStreamSink : public TelemetrySink {
 public:
  /// Starts the sender thread (it connects in the background, so this does
  /// not fail when Redis is down). Throws Error on out-of-range options
  /// (zero capacity or batch, non-positive or non-finite times).
  explicit RedisStreamSink(RedisEndpoint endpoint, RedisSinkOptions options = {});
  /// Sends what is queued for at most close_timeout_s (less when Redis is
  /// down: then nothing waits), counts the rest as dropped, joins the thread.
  ~RedisStreamSink() override;
  RedisStreamSink(const RedisStreamSink&) = delete;
  RedisStreamSink& operator=(const RedisStreamSink&) = delete;

  /// Queues `event`; false when it was dropped (queue full, invalid event).
  bool emit(const TelemetryEvent& event) noexcept override;
  /// Waits up to timeout_s until every queued event was sent or failed;
  /// true when the queue is empty.
  bool flush(double timeout_s);
  /// The counts so far.
  [[nodiscard]] RedisSinkCounters counters() const;
  /// The endpoint given at construction.
  [[nodiscard]] const RedisEndpoint& endpoint() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Settings of a RedisStreamProcessor.
struct RedisProcessorOptions {
  std::string group = "streamopt-processors";  ///< consumer group; created (MKSTREAM, from id 0) when absent
  std::string consumer = "processor-1";        ///< this processor's name in the group (unique per process)
  std::size_t batch = 256;                     ///< entries per read at most
  double block_s = 0.2;                        ///< how long a read waits for new entries
  double claim_idle_s = 30;                    ///< another consumer's pending entry idle this long is claimed
  double claim_interval_s = 1;                 ///< how often to look for such entries
  double connect_timeout_s = 1;                ///< bound on connecting
  double command_timeout_s = 1;                ///< bound on one command (beyond block_s for reads)
};

/// One stream entry as read: its id and the event field (`has_event` false
/// when the entry has none, or was trimmed away while pending).
struct RedisStreamEntry {
  std::string id;          ///< stream entry id, e.g. "1700000000000-0"
  std::string event_json;  ///< the kRedisEventField value
  bool has_event = false;  ///< whether the entry carried the field
};

/// What one poll() handled.
struct RedisPollCounts {
  std::size_t accepted = 0;  ///< entries parsed and handed on
  std::size_t rejected = 0;  ///< malformed or empty entries (acknowledged and skipped)
};

/// What a RedisStreamProcessor handled since construction.
struct RedisProcessorCounters {
  std::uint64_t accepted = 0;  ///< events parsed and handed on
  std::uint64_t rejected = 0;  ///< malformed or empty entries, acknowledged and skipped
  std::uint64_t claimed = 0;   ///< entries claimed from other consumers (XAUTOCLAIM)
};

/// A consumer in a consumer group of the telemetry stream. Several
/// processors (any names, one group) share the stream: each entry goes to
/// one of them, which acknowledges it after handling it. Delivery is
/// at-least-once: entries a processor read but did not acknowledge (it
/// died) stay pending and are read again by the same consumer name on
/// restart, or claimed by another processor once idle for claim_idle_s.
/// Needs Redis >= 6.2 (XAUTOCLAIM). Not thread-safe: one thread polls.
class RedisStreamProcessor {
 public:
  /// Connects and creates the group when absent. Throws Error naming the
  /// URL when Redis cannot be reached or refuses, and on bad options.
  RedisStreamProcessor(RedisEndpoint endpoint, RedisProcessorOptions options = {});
  ~RedisStreamProcessor();
  RedisStreamProcessor(const RedisStreamProcessor&) = delete;
  RedisStreamProcessor& operator=(const RedisStreamProcessor&) = delete;

  /// Reads entries without acknowledging them: first this consumer's own
  /// pending entries (after a restart), then, every claim_interval_s,
  /// entries of other consumers idle for claim_idle_s, else new entries
  /// (waiting up to block_s). Empty when there is nothing. Throws Error when
  /// the connection fails (the next call reconnects).
  [[nodiscard]] std::vector<RedisStreamEntry> fetch();
  /// Acknowledges entries by id (XACK). Throws Error when the connection fails.
  void ack(const std::vector<std::string>& ids);
  /// fetch(), then parse each entry and pass the events to `on_event`
  /// (malformed entries are counted as rejected and skipped), then ack()
  /// them all. Throws Error when the connection fails; what `on_event`
  /// throws propagates and leaves the entries pending.
  RedisPollCounts poll(const std::function<void(const TelemetryEvent&)>& on_event);
  /// poll() into a window: events are added, rejections counted there too.
  RedisPollCounts poll(TelemetryWindow& window);
  /// The counts so far.
  [[nodiscard]] RedisProcessorCounters counters() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace streamopt
