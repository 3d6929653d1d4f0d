// serve_load: a load generator for `streamopt serve` (docs/benchmarks.md).
// Opens C keep-alive connections, creates S sessions of one controller on a
// served title (each with one download report, so controllers have a
// throughput estimate), then for D seconds has every connection step its sessions
// round-robin, one request in flight per connection: a decide (and, with
// --with-downloads, a download report before it). Prints decisions/s,
// requests/s, latency p50/p99/max, errors and the server's RSS growth per
// session (with --server-pid), as a table line and as JSON (--json FILE).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string title = "envivio";
  std::string abr = "bola";
  std::size_t sessions = 1000;
  std::size_t connections = 64;
  double duration_s = 10;
  double warmup_s = 1;
  bool with_downloads = false;
  long server_pid = 0;
  std::string json_out;
};

// The simulated player of one session: 49 segments of 4 s looped, a
// 3 Mbit/s link, a buffer that fills to 20 s.
struct Player {
  std::string id;
  std::size_t segment = 0;
  std::size_t last_rung = 0;
  double now_s = 0;
  double buffer_s = 0;
  bool started = false;
};

constexpr std::size_t kSegments = 49;
constexpr double kSegmentS = 4;
constexpr double kLinkBps = 3e6;

std::string decide_body(const Player& p) {
  const std::string last = p.started ? fmt::format(R"(,"last_rung":{})", p.last_rung) : "";
  return fmt::format(R"({{"state":{{"now_s":{:.3f},"buffer_s":{:.3f},"next_segment":{},"segments_left":{}{}}}}})",
                     p.now_s, p.buffer_s, p.segment, kSegments - p.segment, last);
}

// Stands in for the download of the segment just decided (a fixed 500 kB
// at the link rate) and advances the player's clock and buffer.
std::string download_body(Player& p) {
  const double size_bytes = 500e3;
  const double download_s = size_bytes * 8 / kLinkBps;
  const std::size_t segment = p.segment > 0 ? p.segment - 1 : 0;  // advance() moved past it
  const std::string body =
      fmt::format(R"({{"segment":{},"rung":{},"size_bytes":{:.0f},"start_time_s":{:.3f},"download_time_s":{:.4f}}})",
                  segment, p.last_rung, size_bytes, p.now_s, download_s);
  p.now_s += download_s;
  p.buffer_s = std::min(20.0, std::max(0.0, p.buffer_s - download_s) + kSegmentS);
  return body;
}

void advance(Player& p, std::size_t rung) {
  p.last_rung = rung;
  p.started = true;
  p.segment = (p.segment + 1) % kSegments;
  if (p.segment == 0) p.started = false;  // a new play of the title
}

// The "rung" of a decision answer, without building a JSON tree (the
// generator must stay cheaper than the server it loads).
std::size_t rung_of(const std::string& body) {
  constexpr std::string_view kKey = R"("rung":)";
  const auto at = body.find(kKey);
  if (at == std::string::npos) throw std::runtime_error("a decision without \"rung\": " + body);
  std::size_t rung = 0;
  const char* begin = body.data() + at + kKey.size();
  std::from_chars(begin, body.data() + body.size(), rung);
  return rung;
}

struct Stats {
  std::vector<double> latency_s;
  std::uint64_t decisions = 0;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  bool measuring = false;
};

// One keep-alive connection driving its share of the sessions.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(net::io_context& ioc, const tcp::resolver::results_type& endpoints, std::vector<Player*> players,
             const Options& o, Stats& stats, Clock::time_point& stop_at)
      : stream_(ioc), players_(std::move(players)), o_(o), stats_(stats), stop_at_(stop_at) {
    stream_.connect(endpoints);
    stream_.socket().set_option(tcp::no_delay(true));
  }

  // Creates this connection's sessions one after the other (synchronously).
  void create_sessions() {
    for (Player* p : players_) {
      const auto res = exchange(http::verb::post, "/v1/sessions",
                                fmt::format(R"({{"abr":"{}","title":"{}"}})", o_.abr, o_.title));
      if (res.result_int() != 201) {
        throw std::runtime_error(fmt::format("creating a session: HTTP {}: {}", res.result_int(), res.body()));
      }
      p->id = nlohmann::json::parse(res.body()).at("session").get<std::string>();
      // One finished download, so that every controller has a throughput
      // estimate and the measured decisions plan (robust_mpc answers its
      // start-up rule, without planning, before its first report).
      advance(*p, 0);
      const auto report = exchange(http::verb::post, "/v1/sessions/" + p->id + "/download", download_body(*p));
      if (report.result_int() != 204) {
        throw std::runtime_error(fmt::format("first download report: HTTP {}: {}", report.result_int(), report.body()));
      }
    }
  }

  void start() { next(); }

 private:
  http::response<http::string_body> exchange(http::verb verb, const std::string& target, std::string body) {
    prepare(verb, target, std::move(body));
    http::write(stream_, request_);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    return res;
  }

  void prepare(http::verb verb, const std::string& target, std::string body) {
    request_ = {};
    request_.method(verb);
    request_.target(target);
    request_.version(11);
    request_.set(http::field::host, o_.host);
    request_.set(http::field::content_type, "application/json");
    request_.keep_alive(true);
    request_.body() = std::move(body);
    request_.prepare_payload();
  }

  void next() {
    if (Clock::now() >= stop_at_) return;
    Player& p = *players_[index_];
    downloading_ = o_.with_downloads && p.started && !downloading_;
    if (downloading_) {
      prepare(http::verb::post, "/v1/sessions/" + p.id + "/download", download_body(p));
    } else {
      prepare(http::verb::post, "/v1/sessions/" + p.id + "/decide", decide_body(p));
    }
    sent_at_ = Clock::now();
    http::async_write(stream_, request_, beast::bind_front_handler(&Connection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec) return fail();
    response_ = {};
    http::async_read(stream_, buffer_, response_, beast::bind_front_handler(&Connection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec) return fail();
    const double latency_s = std::chrono::duration<double>(Clock::now() - sent_at_).count();
    Player& p = *players_[index_];
    const unsigned expected = downloading_ ? 204 : 200;
    if (stats_.measuring) {
      ++stats_.requests;
      stats_.latency_s.push_back(latency_s);
      if (response_.result_int() != expected) ++stats_.errors;
    }
    if (!downloading_) {
      if (stats_.measuring && response_.result_int() == 200) ++stats_.decisions;
      const std::size_t rung = response_.result_int() == 200 ? rung_of(response_.body()) : 0;
      if (!o_.with_downloads) download_body(p);  // advance the clock and buffer all the same
      advance(p, rung);
      index_ = (index_ + 1) % players_.size();
    }
    next();
  }

  void fail() {
    if (stats_.measuring) ++stats_.errors;
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  std::vector<Player*> players_;
  const Options& o_;
  Stats& stats_;
  Clock::time_point& stop_at_;
  std::size_t index_ = 0;
  bool downloading_ = false;
  Clock::time_point sent_at_;
};

long rss_kib(long pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(1 << 10, '\n');
  }
  return 0;
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host") o.host = value();
    else if (a == "--port") o.port = value();
    else if (a == "--title") o.title = value();
    else if (a == "--abr") o.abr = value();
    else if (a == "--sessions") o.sessions = std::stoul(value());
    else if (a == "--connections") o.connections = std::stoul(value());
    else if (a == "--duration-s") o.duration_s = std::stod(value());
    else if (a == "--warmup-s") o.warmup_s = std::stod(value());
    else if (a == "--with-downloads") o.with_downloads = true;
    else if (a == "--server-pid") o.server_pid = std::stol(value());
    else if (a == "--json") o.json_out = value();
    else throw std::runtime_error("unknown option " + a + " (see the comment at the top of serve_load.cpp)");
  }
  if (o.port.empty()) throw std::runtime_error("--port is required");
  if (o.sessions == 0 || o.connections == 0 || o.connections > o.sessions) {
    throw std::runtime_error("need 0 < --connections <= --sessions");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  net::io_context ioc(1);
  const auto endpoints = tcp::resolver(ioc).resolve(o.host, o.port);
  std::vector<Player> players(o.sessions);
  Stats stats;
  Clock::time_point stop_at = Clock::time_point::max();
  const long rss_before_kib = o.server_pid > 0 ? rss_kib(o.server_pid) : 0;
  std::vector<std::shared_ptr<Connection>> connections;
  for (std::size_t c = 0; c < o.connections; ++c) {
    std::vector<Player*> mine;
    for (std::size_t s = c; s < o.sessions; s += o.connections) mine.push_back(&players[s]);
    connections.push_back(std::make_shared<Connection>(ioc, endpoints, std::move(mine), o, stats, stop_at));
    connections.back()->create_sessions();
  }
  const long rss_after_kib = o.server_pid > 0 ? rss_kib(o.server_pid) : 0;
  const auto begin = Clock::now();
  stop_at = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s + o.duration_s));
  for (auto& c : connections) c->start();
  connections.clear();  // the handlers own them now
  Clock::time_point measured_from;
  net::steady_timer warmup(ioc);
  warmup.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup_s)));
  warmup.async_wait([&](beast::error_code) {
    stats.measuring = true;
    measured_from = Clock::now();
  });
  ioc.run();
  const double elapsed_s = std::chrono::duration<double>(Clock::now() - measured_from).count();
  const double p50_ms = percentile(stats.latency_s, 0.50) * 1e3;
  const double p99_ms = percentile(stats.latency_s, 0.99) * 1e3;
  const double max_ms = stats.latency_s.empty() ? 0 : *std::max_element(stats.latency_s.begin(), stats.latency_s.end()) * 1e3;
  const double decisions_per_s = static_cast<double>(stats.decisions) / elapsed_s;
  const double requests_per_s = static_cast<double>(stats.requests) / elapsed_s;
  const double bytes_per_session =
      o.server_pid > 0 ? static_cast<double>(rss_after_kib - rss_before_kib) * 1024.0 / static_cast<double>(o.sessions) : 0;
  fmt::print("{:<24} sessions {:>5} conns {:>3} {} decisions/s {:>8.0f} requests/s {:>8.0f} p50 {:.3f} ms p99 {:.3f} ms "
             "max {:.2f} ms errors {} rss/session {:.0f} B\n",
             o.abr, o.sessions, o.connections, o.with_downloads ? "decide+download" : "decide", decisions_per_s,
             requests_per_s, p50_ms, p99_ms, max_ms, stats.errors, bytes_per_session);
  if (!o.json_out.empty()) {
    const nlohmann::json j = {{"abr", o.abr},           {"sessions", o.sessions},
                              {"connections", o.connections}, {"with_downloads", o.with_downloads},
                              {"duration_s", elapsed_s}, {"decisions_per_s", decisions_per_s},
                              {"requests_per_s", requests_per_s}, {"p50_ms", p50_ms},
                              {"p99_ms", p99_ms},        {"max_ms", max_ms},
                              {"errors", stats.errors},  {"rss_bytes_per_session", bytes_per_session}};
    std::ofstream(o.json_out) << j.dump(2) << "\n";
  }
  return stats.errors == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "serve_load: error: %s\n", e.what());
  return 2;
}
