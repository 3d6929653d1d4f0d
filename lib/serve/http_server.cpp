// HttpServer: HTTP/1.1 with keep-alive on Boost.Beast/Asio. One acceptor,
// one strand per connection, `threads` threads running the io_context; each
// request is parsed by Beast, answered by Service::handle and written back.
#include <fmt/format.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <memory>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "streamopt/error.hpp"
#include "serve/paced_link.hpp"
#include "streamopt/serve.hpp"

namespace streamopt::serve {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Largest request header block accepted (Beast's default is 8 KiB).
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;

// Longest origin RTT accepted, seconds.
constexpr double kMaxOriginRttS = 60;

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

// Largest slice of a file body written at once, bytes.
constexpr std::size_t kFileChunkBytes = 64 * 1024;

// One client connection: read a request, answer it, repeat while the
// client keeps the connection alive. An origin response waits out the RTT
// before its first byte; its file body is read in slices and, with a paced
// link, each slice waits for the link's grant.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, Service& service, double idle_timeout_s, double rtt_s, PacedLink* link)
      : stream_(std::move(socket)),
        service_(service),
        idle_timeout_s_(idle_timeout_s),
        rtt_s_(rtt_s),
        link_(link),
        delay_(stream_.get_executor()) {}

  void start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Connection::read, shared_from_this()));
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(service_.config().max_body_bytes);
    parser_->header_limit(kMaxHeaderBytes);
    stream_.expires_after(seconds(idle_timeout_s_));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Connection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return respond(service_.protocol_error(
                         413, fmt::format("body is over the limit of {} bytes (--max-body-bytes)",
                                          service_.config().max_body_bytes)),
                     11, false);
    }
    if (ec) return respond(service_.protocol_error(400, fmt::format("malformed HTTP request: {}", ec.message())), 11, false);
    const auto& request = parser_->get();
    headers_.clear();
    for (const auto& field : request) headers_.push_back({view(field.name_string()), view(field.value())});
    const HttpRequest in{view(request.method_string()), view(request.target()), headers_, request.body()};
    respond(service_.handle(in), request.version(), request.keep_alive());
  }

  // Answers `out`: after the RTT when it is an origin response.
  void respond(HttpResponse out, unsigned version, bool keep_alive) {
    out_ = std::move(out);
    version_ = version;
    keep_alive_ = keep_alive;
    if (link_ != nullptr && out_.file && out_.file->shaped) link_->start();  // the trace meets the first segment request
    if (out_.origin && rtt_s_ > 0) {
      delay_.expires_after(seconds(rtt_s_));
      delay_.async_wait(beast::bind_front_handler(&Connection::on_delay, shared_from_this()));
      return;
    }
    write();
  }

  void on_delay(beast::error_code ec) {
    if (ec) return finish(false);
    write();
  }

  // The status line and headers of out_ on either kind of response.
  template <class Response>
  void set_head(Response& response) const {
    response.version(version_);
    response.result(static_cast<unsigned>(out_.status));
    response.keep_alive(keep_alive_);
    if (!out_.content_type.empty()) response.set(http::field::content_type, out_.content_type);
    for (const auto& [name, value] : out_.headers) response.set(name, value);
  }

  void write() {
    if (out_.file) return write_file_header();
    response_ = {};
    set_head(response_);
    response_.body() = std::move(out_.body);
    response_.prepare_payload();
    stream_.expires_after(seconds(idle_timeout_s_));
    http::async_write(stream_, response_, beast::bind_front_handler(&Connection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t /*bytes*/) { finish(!ec); }

  void write_file_header() {
    file_response_ = {};
    set_head(file_response_);
    file_response_.content_length(out_.file->length);
    offset_ = out_.file->offset;
    remaining_ = out_.file->send ? out_.file->length : 0;
    stream_.expires_after(seconds(idle_timeout_s_));
    http::async_write(stream_, file_response_,
                      beast::bind_front_handler(&Connection::on_file_header, shared_from_this()));
  }

  void on_file_header(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return finish(false);
    if (remaining_ > 0 && link_ != nullptr && out_.file->shaped) flow_ = link_->open();
    next_slice();
  }

  void next_slice() {
    if (remaining_ == 0) return finish(true);
    const std::uint64_t want = std::min<std::uint64_t>(remaining_, kFileChunkBytes);
    if (!flow_) return send_slice(want);
    link_->request(*flow_, want, [self = shared_from_this()](std::uint64_t granted) {
      net::post(self->stream_.get_executor(), [self, granted] { self->send_slice(granted); });
    });
  }

  void send_slice(std::uint64_t bytes) {
    chunk_.resize(kFileChunkBytes);
    std::size_t got = 0;
    try {
      got = out_.file->file->read_at(offset_, std::span<char>(chunk_.data(), static_cast<std::size_t>(bytes)));
    } catch (const Error&) {
      got = 0;
    }
    if (got == 0) return finish(false);  // the file shrank under us: the promised length cannot be kept
    offset_ += got;
    remaining_ -= got;
    stream_.expires_after(seconds(idle_timeout_s_));
    net::async_write(stream_, net::buffer(chunk_.data(), got),
                     beast::bind_front_handler(&Connection::on_slice, shared_from_this()));
  }

  void on_slice(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return finish(false);
    next_slice();
  }

  // The response is over: tell the service, then read the next request or close.
  void finish(bool sent) {
    if (flow_) {
      link_->close(*flow_);
      flow_.reset();
    }
    if (out_.on_sent) {
      auto on_sent = std::move(out_.on_sent);
      out_.on_sent = nullptr;
      try {
        on_sent(sent);
      } catch (...) {  // a report that failed must not take the connection down
      }
    }
    out_.file.reset();
    if (sent && keep_alive_) return read();
    close();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  Service& service_;
  double idle_timeout_s_;
  double rtt_s_;
  PacedLink* link_;
  net::steady_timer delay_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::vector<HttpHeader> headers_;
  HttpResponse out_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  http::response<http::string_body> response_;
  http::response<http::empty_body> file_response_;
  std::uint64_t offset_ = 0;
  std::uint64_t remaining_ = 0;
  std::optional<std::uint64_t> flow_;
  std::vector<char> chunk_;
};

}  // namespace

struct HttpServer::Impl {
  Impl(Service& s, ServerConfig c) : service(s), config(std::move(c)), ioc(static_cast<int>(config.threads)),
                                     acceptor(ioc), sweep_timer(ioc) {}

  void listen() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    const auto results = resolver.resolve(config.host, std::to_string(config.port),
                                          tcp::resolver::numeric_service | tcp::resolver::passive, ec);
    if (ec || results.empty()) {
      throw Error(fmt::format("serve: cannot resolve listen host '{}': {}", config.host, ec.message()));
    }
    const tcp::endpoint endpoint = *results.begin();
    const auto fail = [&](const char* what) {
      return Error(fmt::format("serve: cannot {} {}:{}: {}", what, config.host, config.port, ec.message()));
    };
    if (acceptor.open(endpoint.protocol(), ec)) throw fail("open a socket for");
    if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) throw fail("set SO_REUSEADDR on");
    if (acceptor.bind(endpoint, ec)) throw fail("bind");
    if (acceptor.listen(net::socket_base::max_listen_connections, ec)) throw fail("listen on");
  }

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (!ec) {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Connection>(std::move(socket), service, config.idle_timeout_s, config.origin_rtt_s,
                                     link.get())
            ->start();
      }
      accept();
    });
  }

  void sweep() {
    sweep_timer.expires_after(seconds(config.sweep_interval_s));
    sweep_timer.async_wait([this](beast::error_code ec) {
      if (ec) return;
      service.expire_idle();
      sweep();
    });
  }

  Service& service;
  ServerConfig config;
  net::io_context ioc;
  tcp::acceptor acceptor;
  net::steady_timer sweep_timer;
  std::unique_ptr<PacedLink> link;  // with a shape trace only
};

HttpServer::HttpServer(Service& service, ServerConfig config) {
  if (config.threads == 0) throw Error("serve: threads must be at least 1");
  if (!(config.idle_timeout_s > 0) || !(config.sweep_interval_s > 0)) {
    throw Error("serve: idle_timeout_s and sweep_interval_s must be positive");
  }
  if (!std::isfinite(config.origin_rtt_s) || config.origin_rtt_s < 0 || config.origin_rtt_s > kMaxOriginRttS) {
    throw Error(fmt::format("serve: origin_rtt_s = {} must be in [0, {}]", config.origin_rtt_s, kMaxOriginRttS));
  }
  impl_ = std::make_unique<Impl>(service, std::move(config));
  if (impl_->config.shape_trace) impl_->link = std::make_unique<PacedLink>(impl_->ioc, *impl_->config.shape_trace);
  impl_->listen();
}

HttpServer::~HttpServer() = default;

std::uint16_t HttpServer::port() const noexcept {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

std::string HttpServer::address() const {
  beast::error_code ec;
  const tcp::endpoint e = impl_->acceptor.local_endpoint(ec);
  const std::string host = e.address().to_string();
  return e.address().is_v6() ? fmt::format("[{}]:{}", host, e.port()) : fmt::format("{}:{}", host, e.port());
}

void HttpServer::run(bool stop_on_signals) {
  std::optional<net::signal_set> signals;
  if (stop_on_signals) {
    signals.emplace(impl_->ioc, SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code ec, int /*signal*/) {
      if (!ec) stop();
    });
  }
  impl_->accept();
  impl_->sweep();
  std::vector<std::thread> threads;
  for (unsigned t = 1; t < impl_->config.threads; ++t) threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (std::thread& t : threads) t.join();
}

void HttpServer::stop() noexcept {
  net::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->sweep_timer.cancel();
  });
  impl_->ioc.stop();
}

}  // namespace streamopt::serve
