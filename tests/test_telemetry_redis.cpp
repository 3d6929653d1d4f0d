// Telemetry over a real redis-server on a loopback port: no event lost when
// a processor dies mid-stream, malformed entries rejected without stopping
// the pipeline, and a sink that never blocks while Redis is down. Skipped
// (exit 77) when redis-server is not installed.
#include <catch2/catch.hpp>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "helpers.hpp"
#include "streamopt/telemetry.hpp"
#include "streamopt/telemetry_redis.hpp"

using namespace streamopt;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kRedisServer = "/usr/bin/redis-server";

// A TCP port on 127.0.0.1 that was free a moment ago (bind to 0, read it back).
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

struct ReplyFree {
  void operator()(void* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

// A plain connection for the tests' own commands (raw XADD, XPENDING).
class Client {
 public:
  explicit Client(int port) : ctx_(redisConnectWithTimeout("127.0.0.1", port, timeval{1, 0})) {}
  ~Client() {
    if (ctx_) redisFree(ctx_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  [[nodiscard]] bool ok() const { return ctx_ && !ctx_->err; }
  Reply command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    return Reply(static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lengths.data())));
  }

 private:
  redisContext* ctx_;
};

// A redis-server of its own on a free loopback port, stopped on destruction.
class RedisServer {
 public:
  explicit RedisServer(int port = free_port()) : port_(port) {
    pid_ = fork();
    if (pid_ == 0) {
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
      }
      const std::string port_text = std::to_string(port_);
      const std::string dir = std::filesystem::temp_directory_path().string();
      execl(kRedisServer, kRedisServer, "--port", port_text.c_str(), "--bind", "127.0.0.1", "--save", "", "--appendonly",
            "no", "--dir", dir.c_str(), "--daemonize", "no", static_cast<char*>(nullptr));
      _exit(127);
    }
    REQUIRE(pid_ > 0);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (Clock::now() < deadline) {
      Client c(port_);
      if (c.ok()) {
        const Reply r = c.command({"PING"});
        if (r && r->type == REDIS_REPLY_STATUS && std::string(r->str) == "PONG") return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    FAIL("redis-server did not answer PING on port " << port_ << " within 10 s");
  }
  ~RedisServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] RedisEndpoint endpoint(const std::string& stream = "telemetry-test") const {
    RedisEndpoint e;
    e.port = port_;
    e.stream = stream;
    return e;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

// False (and the test case marked skipped) when there is no redis-server.
bool have_redis_server() {
  if (access(kRedisServer, X_OK) == 0) return true;
  std::string why = kRedisServer;
  why += " is not installed (Debian: apt-get install redis-server)";
  test::skip(why);
  return false;
}

TelemetryEvent numbered(int i) {
  TelemetryEvent e;
  e.session_id = "s";
  e.session_id += std::to_string(i);
  e.group = i % 2 ? "odd" : "even";
  e.time_s = 0.01 * i;
  e.kind = TelemetryKind::download;
  e.rung = static_cast<std::size_t>(i % 5);
  e.throughput_bps = 1e6 + i;
  return e;
}

// Entries of the group still pending (XPENDING summary count).
long long pending(Client& c, const std::string& stream, const std::string& group) {
  const Reply r = c.command({"XPENDING", stream, group});
  REQUIRE(r);
  REQUIRE(r->type == REDIS_REPLY_ARRAY);
  REQUIRE(r->elements >= 1);
  return r->element[0]->integer;
}

// Polls until `idle_polls` polls in a row found nothing.
void drain(RedisStreamProcessor& p, const std::function<void(const TelemetryEvent&)>& on_event, int idle_polls = 3) {
  int idle = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (idle < idle_polls && Clock::now() < deadline) {
    const RedisPollCounts c = p.poll(on_event);
    idle = c.accepted + c.rejected == 0 ? idle + 1 : 0;
  }
}

// A whole file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST_CASE("Redis URLs name the host, port and stream") {
  const RedisEndpoint e = parse_redis_url("redis://10.0.0.2:6380/events");
  CHECK(e.host == "10.0.0.2");
  CHECK(e.port == 6380);
  CHECK(e.stream == "events");
  CHECK(e.url() == "redis://10.0.0.2:6380/events");
  const RedisEndpoint d = parse_redis_url("redis://cache");
  CHECK(d.port == 6379);
  CHECK(d.stream == "streamopt:telemetry");
  CHECK(parse_redis_url("redis://[::1]:7000/s").host == "::1");
  CHECK_THAT(test::error_of([] { (void)parse_redis_url("http://x"); }), Catch::Contains("not a redis:// URL"));
  CHECK_THAT(test::error_of([] { (void)parse_redis_url("redis://:6379"); }), Catch::Contains("empty host"));
  CHECK_THAT(test::error_of([] { (void)parse_redis_url("redis://h:99999"); }), Catch::Contains("[1, 65535]"));
  CHECK_THAT(test::error_of([] { (void)parse_redis_url("redis://h:x1"); }), Catch::Contains("not a number"));
}

TEST_CASE("No telemetry event is lost when a processor stops mid-stream") {
  if (!have_redis_server()) return;
  RedisServer server;
  constexpr int kEvents = 1000;
  {
    RedisStreamSink sink(server.endpoint());
    for (int i = 0; i < kEvents; ++i) REQUIRE(sink.emit(numbered(i)));
    REQUIRE(sink.flush(10));
    CHECK(sink.counters().sent == kEvents);
    CHECK(sink.counters().dropped == 0);
  }
  std::multiset<std::string> seen;
  const auto record = [&seen](const TelemetryEvent& e) { seen.insert(e.session_id); };
  RedisProcessorOptions a_options;
  a_options.consumer = "a";
  a_options.batch = 100;
  std::vector<RedisStreamEntry> lost_with_a;
  {
    RedisStreamProcessor a(server.endpoint(), a_options);
    const RedisPollCounts first = a.poll(record);
    CHECK(first.accepted == 100);
    lost_with_a = a.fetch();  // read, never handled nor acknowledged: a dies here
    CHECK(lost_with_a.size() == 100);
  }
  Client client(server.port());
  REQUIRE(client.ok());
  CHECK(pending(client, "telemetry-test", a_options.group) == 100);

  SECTION("another processor claims the dead one's pending entries") {
    RedisProcessorOptions b_options;
    b_options.consumer = "b";
    b_options.claim_idle_s = 0;  // in production: long enough that a live consumer is never robbed
    RedisStreamProcessor b(server.endpoint(), b_options);
    drain(b, record);
    CHECK(b.counters().claimed == 100);
    CHECK(b.counters().accepted == kEvents - 100);
  }
  SECTION("the same consumer name, restarted, reads its own pending entries first") {
    RedisStreamProcessor again(server.endpoint(), a_options);
    const std::vector<RedisStreamEntry> mine = again.fetch();
    REQUIRE(mine.size() == lost_with_a.size());
    CHECK(mine.front().id == lost_with_a.front().id);
    again.ack({});  // nothing to acknowledge is fine
    // Not acknowledged yet: fetched again, then handled by a normal drain.
    drain(again, record);
    CHECK(again.counters().claimed == 0);
  }
  CHECK(seen.size() == kEvents);
  CHECK(std::set<std::string>(seen.begin(), seen.end()).size() == kEvents);  // each exactly once
  CHECK(pending(client, "telemetry-test", a_options.group) == 0);
}

TEST_CASE("A malformed telemetry entry is rejected and counted while later events still arrive") {
  if (!have_redis_server()) return;
  RedisServer server;
  Client client(server.port());
  REQUIRE(client.ok());
  const std::string stream = "telemetry-test";
  const std::string field(kRedisEventField);
  const std::vector<std::vector<std::string>> entries = {
      {"XADD", stream, "*", field, to_json(numbered(1))},
      {"XADD", stream, "*", field, "{not json"},
      {"XADD", stream, "*", field, R"({"e":"download","ts":1})"},  // no sid
      {"XADD", stream, "*", "other", "field"},                     // no event field
      {"XADD", stream, "*", field, to_json(numbered(2))},
  };
  for (const auto& args : entries) {
    const Reply r = client.command(args);
    REQUIRE(r);
    REQUIRE(r->type == REDIS_REPLY_STRING);
  }
  TelemetryWindow window(10);
  RedisStreamProcessor p(server.endpoint(), {});
  int idle = 0;
  while (idle < 2) {
    const RedisPollCounts c = p.poll(window);
    idle = c.accepted + c.rejected == 0 ? idle + 1 : 0;
  }
  CHECK(p.counters().accepted == 2);
  CHECK(p.counters().rejected == 3);
  CHECK(window.events_total() == 2);
  CHECK(window.rejected_total() == 3);
  CHECK_THAT(window.prometheus_text(1), Catch::Contains("streamopt_telemetry_rejected_total 3\n"));
  CHECK(pending(client, stream, RedisProcessorOptions{}.group) == 0);

  // The pipeline goes on after them.
  RedisStreamSink sink(server.endpoint());
  REQUIRE(sink.emit(numbered(3)));
  REQUIRE(sink.flush(5));
  std::size_t accepted = 0;
  for (int i = 0; i < 10 && accepted == 0; ++i) accepted += p.poll(window).accepted;
  CHECK(accepted == 1);
  CHECK(window.events_total() == 3);
}

TEST_CASE("A telemetry sink never blocks a decision while Redis is down") {
  RedisEndpoint nowhere;
  nowhere.port = free_port();  // nothing listens there
  RedisSinkOptions options;
  options.queue_capacity = 1000;
  const auto built = Clock::now();
  {
    RedisStreamSink sink(nowhere, options);
    const auto start = Clock::now();
    std::size_t accepted = 0;
    for (int i = 0; i < 10000; ++i) accepted += sink.emit(numbered(i)) ? 1 : 0;
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    INFO("10000 emits took " << elapsed_s << " s");
    CHECK(elapsed_s < 1.0);
    CHECK(accepted <= options.queue_capacity);
    CHECK(sink.counters().dropped >= 10000 - options.queue_capacity);
    CHECK(sink.counters().sent == 0);
    CHECK_FALSE(sink.flush(0.05));
  }
  // Closing does not wait for a server that is not there.
  const double lifetime_s = std::chrono::duration<double>(Clock::now() - built).count();
  CHECK(lifetime_s < 2.0);
  CHECK_THAT(test::error_of([&] { RedisStreamProcessor p(nowhere, {}); }), Catch::Contains("cannot connect"));
}

TEST_CASE("A telemetry sink delivers what it queued once Redis comes up") {
  if (!have_redis_server()) return;
  const int port = free_port();
  RedisEndpoint endpoint;
  endpoint.port = port;
  endpoint.stream = "telemetry-test";
  RedisSinkOptions options;
  options.retry_s = 0.05;
  RedisStreamSink sink(endpoint, options);
  for (int i = 0; i < 10; ++i) REQUIRE(sink.emit(numbered(i)));
  CHECK_FALSE(sink.flush(0.2));  // nobody there yet: queued, not lost
  CHECK(sink.counters().sent == 0);
  RedisServer server(port);
  CHECK(sink.flush(5));
  CHECK(sink.counters().sent == 10);
  Client client(port);
  REQUIRE(client.ok());
  const Reply len = client.command({"XLEN", "telemetry-test"});
  REQUIRE(len);
  CHECK(len->integer == 10);
}

TEST_CASE("streamopt telemetry emit and process run the pipeline end to end") {
  if (!have_redis_server()) return;
  RedisServer server;
  test::TempDir dir;
  std::string lines;
  for (int i = 1; i <= 6; ++i) {
    lines += to_json(numbered(i));
    lines += '\n';
  }
  const auto events = dir.write("events.jsonl", lines);
  const std::string url = "redis://127.0.0.1:" + std::to_string(server.port()) + "/cli-test";
  const std::string cli = STREAMOPT_CLI;
  const auto run = [&](const std::string& args) {
    const std::string command = "timeout 60 " + cli + " " + args + " > " + (dir.path() / "out.txt").string() + " 2>&1";
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  REQUIRE(run("telemetry emit --redis " + url + " --file " + events.string()) == 0);
  {
    Client client(server.port());
    REQUIRE(client.ok());
    const Reply r = client.command({"XADD", "cli-test", "*", std::string(kRedisEventField), "{\"sid\":"});
    REQUIRE(r);
  }
  const auto metrics = dir.path() / "metrics.prom";
  REQUIRE(run("telemetry process --redis " + url + " --window-s 10 --consumer t1 --max-events 7 --metrics-out " +
              metrics.string()) == 0);
  const std::string text = read_text(metrics);
  INFO(text);
  CHECK_THAT(text, Catch::Contains("streamopt_telemetry_events_total 6\n"));
  CHECK_THAT(text, Catch::Contains("streamopt_telemetry_rejected_total 1\n"));
  CHECK_THAT(text, Catch::Contains("streamopt_group_throughput_bps_count{group=\"odd\"} 3\n"));
  CHECK_THAT(text, Catch::Contains("streamopt_group_prior_throughput_bps{group=\"even\"} 1000004\n"));
  // Nothing left: a second processor in the group stops when idle, having seen nothing.
  REQUIRE(run("telemetry process --redis " + url + " --consumer t2 --idle-exit-s 0.3 --metrics-out " +
              metrics.string()) == 0);
  CHECK_THAT(read_text(metrics), Catch::Contains("streamopt_telemetry_events_total 0\n"));
  // Bad input is an error naming the line; a server that is not there is an error too.
  const auto bad = dir.write("bad.jsonl", "{\"sid\":\"a\",\"e\":\"download\",\"ts\":1}\n{\"sid\":\"a\"}\n");
  CHECK(run("telemetry emit --redis " + url + " --file " + bad.string()) == 1);
  CHECK_THAT(read_text(dir.path() / "out.txt"), Catch::Contains("bad.jsonl:2: telemetry event: field 'e' is missing"));
  CHECK(run("telemetry process --redis redis://127.0.0.1:" + std::to_string(free_port()) + " --max-events 1") == 1);
  CHECK_THAT(read_text(dir.path() / "out.txt"), Catch::Contains("cannot connect"));
}
