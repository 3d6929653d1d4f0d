// Telemetry over Redis Streams with hiredis: the sink (a background sender
// with a bounded queue) and the consumer-group processor.
#include "streamopt/telemetry_redis.hpp"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/text_io.hpp"
#include "streamopt/error.hpp"

namespace streamopt {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kDefaultPort = 6379;
constexpr const char* kDefaultStream = "streamopt:telemetry";

void check_time(std::string_view what, double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0 || seconds > 86400) {
    throw Error(fmt::format("{} must be in (0, 86400] seconds (got {})", what, seconds));
  }
}

timeval to_timeval(double seconds) {
  timeval tv{};
  const auto us = static_cast<long long>(std::llround(seconds * 1e6));
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(us / 1000000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>(us % 1000000);
  return tv;
}

Clock::duration to_duration(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};

// One connection: connect with a timeout, commands with a timeout. A
// failed command (I/O error, timeout) leaves it broken(); the owner drops it.
class Connection {
 public:
  Connection(const RedisEndpoint& endpoint, double connect_timeout_s, double command_timeout_s)
      : url_(endpoint.url()) {
    redisContext* c = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(connect_timeout_s));
    if (c == nullptr) throw Error(fmt::format("{}: cannot connect: out of memory", url_));
    ctx_.reset(c);
    if (c->err) throw Error(fmt::format("{}: cannot connect: {}", url_, c->errstr));
    if (redisSetTimeout(c, to_timeval(command_timeout_s)) != REDIS_OK) {
      throw Error(fmt::format("{}: cannot set the command timeout: {}", url_, c->errstr));
    }
  }

  // Sends one command and waits for its reply. Throws Error on an I/O error
  // or timeout (the connection is broken afterwards); an error reply is
  // returned as such.
  Reply command(const std::vector<std::string>& args) {
    append(args);
    return reply();
  }

  // Queues a command for a pipelined round trip (sent by the next reply()).
  void append(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(args.size()), argv.data(), lengths.data()) != REDIS_OK) {
      fail(args.empty() ? "command" : args[0]);
    }
  }

  // The reply to the oldest appended command.
  Reply reply() {
    void* r = nullptr;
    if (redisGetReply(ctx_.get(), &r) != REDIS_OK || r == nullptr) fail("reply");
    return Reply(static_cast<redisReply*>(r));
  }

  [[nodiscard]] const std::string& url() const { return url_; }

 private:
  [[noreturn]] void fail(std::string_view what) {
    throw Error(fmt::format("{}: {} failed: {}", url_, what, ctx_->errstr[0] ? ctx_->errstr : "connection lost"));
  }

  std::string url_;
  std::unique_ptr<redisContext, ContextDeleter> ctx_;
};

std::string_view text_of(const redisReply* r) {
  return r && r->str ? std::string_view(r->str, r->len) : std::string_view();
}

bool is_error(const redisReply* r) { return r && r->type == REDIS_REPLY_ERROR; }

// Entries of one stream in XREADGROUP / XAUTOCLAIM form: [[id, [f, v, ...] | nil], ...].
std::vector<RedisStreamEntry> parse_entries(const redisReply* list) {
  std::vector<RedisStreamEntry> out;
  if (!list || list->type != REDIS_REPLY_ARRAY) return out;
  for (std::size_t i = 0; i < list->elements; ++i) {
    const redisReply* e = list->element[i];
    if (!e || e->type != REDIS_REPLY_ARRAY || e->elements < 1 || e->element[0]->type != REDIS_REPLY_STRING) continue;
    RedisStreamEntry entry;
    entry.id = std::string(text_of(e->element[0]));
    if (e->elements >= 2 && e->element[1]->type == REDIS_REPLY_ARRAY) {
      const redisReply* fields = e->element[1];
      for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
        if (text_of(fields->element[f]) == kRedisEventField) {
          entry.event_json = std::string(text_of(fields->element[f + 1]));
          entry.has_event = true;
          break;
        }
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

std::string RedisEndpoint::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("redis://{}{}{}:{}/{}", v6 ? "[" : "", host, v6 ? "]" : "", port, stream);
}

RedisEndpoint parse_redis_url(std::string_view url) {
  const auto bad = [&](std::string_view what) -> Error {
    return Error(fmt::format("Redis URL '{}': {} (expected redis://HOST[:PORT][/STREAM])", detail::sanitize(url, 200), what));
  };
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) throw bad("not a redis:// URL");
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint e;
  const std::size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view stream = rest.substr(slash + 1);
    if (!stream.empty()) e.stream = std::string(stream);
    rest = rest.substr(0, slash);
  }
  if (rest.find('@') != std::string_view::npos) throw bad("credentials in the URL are not supported");
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) throw bad("unclosed '[' in the host");
    e.host = std::string(rest.substr(1, close - 1));
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw bad("junk after the host");
      port = after.substr(1);
      if (port.empty()) throw bad("empty port");
    }
  } else {
    const std::size_t colon = rest.rfind(':');
    e.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) throw bad("empty port");
    }
  }
  if (e.host.empty()) throw bad("empty host");
  e.port = kDefaultPort;
  if (!port.empty()) {
    std::uint64_t p = 0;
    try {
      p = detail::parse_uint(port, "Redis URL", "port");
    } catch (const Error&) {
      throw bad("the port is not a number");
    }
    if (p < 1 || p > 65535) throw bad("the port is not in [1, 65535]");
    e.port = static_cast<int>(p);
  }
  if (e.stream.empty()) e.stream = kDefaultStream;
  return e;
}

// ---------------------------------------------------------------------------
// The sink.

struct RedisStreamSink::State {
  RedisEndpoint endpoint;
  RedisSinkOptions options;
  std::mutex mutex;
  std::condition_variable wake;     // the sender: work or stop
  std::condition_variable drained;  // flush(): the queue emptied
  std::deque<std::string> queue;    // guarded by mutex
  std::size_t in_flight = 0;        // guarded by mutex
  bool stopping = false;            // guarded by mutex
  Clock::time_point close_deadline; // guarded by mutex, set with stopping
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> failed{0};
  std::thread sender;

  void run();
  // Sends one batch; returns false when the connection broke.
  bool send(Connection& conn, const std::vector<std::string>& batch);
};

bool RedisStreamSink::State::send(Connection& conn, const std::vector<std::string>& batch) {
  const std::string max_len = std::to_string(options.max_len);
  std::size_t answered = 0;
  try {
    for (const std::string& json : batch) {
      conn.append({"XADD", endpoint.stream, "MAXLEN", "~", max_len, "*", std::string(kRedisEventField), json});
    }
    for (; answered < batch.size(); ++answered) {
      const Reply r = conn.reply();
      if (is_error(r.get())) {
        failed.fetch_add(1);
      } else {
        sent.fetch_add(1);
      }
    }
    return true;
  } catch (const Error&) {
    failed.fetch_add(batch.size() - answered);
    return false;
  }
}

void RedisStreamSink::State::run() {
  std::optional<Connection> conn;
  Clock::time_point next_attempt = Clock::now();
  std::unique_lock lock(mutex);
  for (;;) {
    wake.wait(lock, [&] { return stopping || !queue.empty(); });
    if (queue.empty()) break;  // stopping with nothing left
    const Clock::time_point now = Clock::now();
    if (stopping && now >= close_deadline) break;
    if (!conn) {
      if (stopping && now < next_attempt) break;  // Redis is down: closing does not wait for it
      if (now < next_attempt) {
        wake.wait_until(lock, next_attempt, [&] { return stopping; });
        continue;
      }
      lock.unlock();
      try {
        conn.emplace(endpoint, options.connect_timeout_s, options.command_timeout_s);
      } catch (const Error&) {
        conn.reset();
        next_attempt = Clock::now() + to_duration(options.retry_s);
      }
      lock.lock();
      continue;
    }
    std::vector<std::string> batch;
    const std::size_t n = std::min(options.batch, queue.size());
    batch.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue.front()));
      queue.pop_front();
    }
    in_flight = n;
    lock.unlock();
    if (!send(*conn, batch)) {
      conn.reset();
      next_attempt = Clock::now() + to_duration(options.retry_s);
    }
    lock.lock();
    in_flight = 0;
    if (queue.empty()) drained.notify_all();
  }
  dropped.fetch_add(queue.size());
  queue.clear();
  drained.notify_all();
}

RedisStreamSink::RedisStreamSink(RedisEndpoint endpoint, RedisSinkOptions options) : state_(std::make_unique<State>()) {
  if (options.queue_capacity == 0) throw Error("RedisStreamSink: queue_capacity must be at least 1");
  if (options.batch == 0) throw Error("RedisStreamSink: batch must be at least 1");
  if (options.max_len == 0) throw Error("RedisStreamSink: max_len must be at least 1");
  check_time("RedisStreamSink: connect_timeout_s", options.connect_timeout_s);
  check_time("RedisStreamSink: command_timeout_s", options.command_timeout_s);
  check_time("RedisStreamSink: retry_s", options.retry_s);
  check_time("RedisStreamSink: close_timeout_s", options.close_timeout_s);
  state_->endpoint = std::move(endpoint);
  state_->options = options;
  state_->sender = std::thread([s = state_.get()] { s->run(); });
}

RedisStreamSink::~RedisStreamSink() {
  {
    const std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->close_deadline = Clock::now() + to_duration(state_->options.close_timeout_s);
  }
  state_->wake.notify_all();
  state_->sender.join();
}

bool RedisStreamSink::emit(const TelemetryEvent& event) noexcept {
  try {
    std::string json = to_json(event);  // outside the lock
    {
      const std::lock_guard lock(state_->mutex);
      if (state_->stopping || state_->queue.size() >= state_->options.queue_capacity) {
        state_->dropped.fetch_add(1);
        return false;
      }
      state_->queue.push_back(std::move(json));
    }
    state_->wake.notify_one();
    return true;
  } catch (...) {  // an invalid event or out of memory
    state_->dropped.fetch_add(1);
    return false;
  }
}

bool RedisStreamSink::flush(double timeout_s) {
  std::unique_lock lock(state_->mutex);
  return state_->drained.wait_for(lock, std::chrono::duration<double>(std::max(0.0, timeout_s)),
                                  [&] { return state_->queue.empty() && state_->in_flight == 0; });
}

RedisSinkCounters RedisStreamSink::counters() const {
  return {state_->sent.load(), state_->dropped.load(), state_->failed.load()};
}

const RedisEndpoint& RedisStreamSink::endpoint() const { return state_->endpoint; }

// ---------------------------------------------------------------------------
// The processor.

struct RedisStreamProcessor::State {
  RedisEndpoint endpoint;
  RedisProcessorOptions options;
  std::optional<Connection> conn;
  bool own_pending = true;  // read this consumer's pending entries (id 0) before new ones
  bool can_claim = true;    // false when the server has no XAUTOCLAIM (< 6.2)
  std::string claim_cursor = "0-0";
  Clock::time_point next_claim = Clock::now();
  RedisProcessorCounters counters;

  Connection& connection();
  // Runs a command; on a broken connection drops it and rethrows.
  Reply run(const std::vector<std::string>& args);
  void ensure_group();
  std::vector<RedisStreamEntry> read_group(const std::string& id, bool block);
};

Connection& RedisStreamProcessor::State::connection() {
  if (!conn) {
    conn.emplace(endpoint, options.connect_timeout_s, options.block_s + options.command_timeout_s);
    own_pending = true;  // after a reconnect, start again from what this consumer holds
    ensure_group();
  }
  return *conn;
}

Reply RedisStreamProcessor::State::run(const std::vector<std::string>& args) {
  Connection& c = connection();
  try {
    return c.command(args);
  } catch (const Error&) {
    conn.reset();
    throw;
  }
}

void RedisStreamProcessor::State::ensure_group() {
  Reply r;
  try {
    r = conn->command({"XGROUP", "CREATE", endpoint.stream, options.group, "0", "MKSTREAM"});
  } catch (const Error&) {
    conn.reset();
    throw;
  }
  if (is_error(r.get()) && text_of(r.get()).substr(0, 9) != "BUSYGROUP") {
    const std::string message(text_of(r.get()));
    conn.reset();
    throw Error(fmt::format("{}: cannot create consumer group '{}': {}", endpoint.url(), options.group, message));
  }
}

std::vector<RedisStreamEntry> RedisStreamProcessor::State::read_group(const std::string& id, bool block) {
  std::vector<std::string> args = {"XREADGROUP", "GROUP", options.group, options.consumer,
                                   "COUNT",      std::to_string(options.batch)};
  if (block) {
    args.emplace_back("BLOCK");
    args.push_back(std::to_string(std::max<long long>(1, std::llround(options.block_s * 1e3))));
  }
  args.insert(args.end(), {"STREAMS", endpoint.stream, id});
  Reply r = run(args);
  if (is_error(r.get())) {
    const std::string message(text_of(r.get()));
    if (message.substr(0, 7) == "NOGROUP") {  // the stream or group was deleted: recreate on the next call
      conn.reset();
      return {};
    }
    throw Error(fmt::format("{}: XREADGROUP failed: {}", endpoint.url(), message));
  }
  // [[stream, [entries...]]] or nil on timeout.
  if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return {};
  const redisReply* stream = r->element[0];
  if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2) return {};
  return parse_entries(stream->element[1]);
}

RedisStreamProcessor::RedisStreamProcessor(RedisEndpoint endpoint, RedisProcessorOptions options)
    : state_(std::make_unique<State>()) {
  if (options.group.empty()) throw Error("RedisStreamProcessor: the consumer group name is empty");
  if (options.consumer.empty()) throw Error("RedisStreamProcessor: the consumer name is empty");
  if (options.batch == 0) throw Error("RedisStreamProcessor: batch must be at least 1");
  check_time("RedisStreamProcessor: block_s", options.block_s);
  if (!std::isfinite(options.claim_idle_s) || options.claim_idle_s < 0) {
    throw Error(fmt::format("RedisStreamProcessor: claim_idle_s must be a finite number >= 0 (got {})", options.claim_idle_s));
  }
  check_time("RedisStreamProcessor: claim_interval_s", options.claim_interval_s);
  check_time("RedisStreamProcessor: connect_timeout_s", options.connect_timeout_s);
  check_time("RedisStreamProcessor: command_timeout_s", options.command_timeout_s);
  state_->endpoint = std::move(endpoint);
  state_->options = std::move(options);
  state_->connection();
}

RedisStreamProcessor::~RedisStreamProcessor() = default;

std::vector<RedisStreamEntry> RedisStreamProcessor::fetch() {
  State& s = *state_;
  s.connection();
  if (s.own_pending) {
    std::vector<RedisStreamEntry> mine = s.read_group("0", false);
    if (!mine.empty()) return mine;
    s.own_pending = false;
  }
  if (s.can_claim && Clock::now() >= s.next_claim) {
    Reply r = s.run({"XAUTOCLAIM", s.endpoint.stream, s.options.group, s.options.consumer,
                     std::to_string(std::llround(s.options.claim_idle_s * 1e3)), s.claim_cursor, "COUNT",
                     std::to_string(s.options.batch)});
    if (is_error(r.get())) {
      const std::string message(text_of(r.get()));
      if (message.find("unknown command") == std::string::npos) {
        throw Error(fmt::format("{}: XAUTOCLAIM failed: {}", s.endpoint.url(), message));
      }
      s.can_claim = false;  // Redis < 6.2: pending entries wait for their consumer to return
    } else if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
      // [next cursor, [entries...], (7.0+) [deleted ids...]]
      s.claim_cursor = std::string(text_of(r->element[0]));
      if (s.claim_cursor.empty() || s.claim_cursor == "0-0") {
        s.claim_cursor = "0-0";
        s.next_claim = Clock::now() + to_duration(s.options.claim_interval_s);
      }
      std::vector<RedisStreamEntry> claimed = parse_entries(r->element[1]);
      s.counters.claimed += claimed.size();
      if (!claimed.empty()) return claimed;
    }
  }
  return s.read_group(">", true);
}

void RedisStreamProcessor::ack(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  State& s = *state_;
  std::vector<std::string> args = {"XACK", s.endpoint.stream, s.options.group};
  args.insert(args.end(), ids.begin(), ids.end());
  Reply r = s.run(args);
  if (is_error(r.get())) throw Error(fmt::format("{}: XACK failed: {}", s.endpoint.url(), text_of(r.get())));
}

RedisPollCounts RedisStreamProcessor::poll(const std::function<void(const TelemetryEvent&)>& on_event) {
  const std::vector<RedisStreamEntry> entries = fetch();
  RedisPollCounts counts;
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (const RedisStreamEntry& entry : entries) {
    ids.push_back(entry.id);
    std::optional<TelemetryEvent> event;
    if (entry.has_event) {
      try {
        event = parse_telemetry_event(entry.event_json);
      } catch (const Error&) {
        event.reset();
      }
    }
    if (!event) {
      ++counts.rejected;
      continue;
    }
    on_event(*event);
    ++counts.accepted;
  }
  ack(ids);
  state_->counters.accepted += counts.accepted;
  state_->counters.rejected += counts.rejected;
  return counts;
}

RedisPollCounts RedisStreamProcessor::poll(TelemetryWindow& window) {
  const RedisPollCounts counts = poll([&window](const TelemetryEvent& e) { window.add(e); });
  window.add_rejected(counts.rejected);
  return counts;
}

RedisProcessorCounters RedisStreamProcessor::counters() const { return state_->counters; }

}  // namespace streamopt
