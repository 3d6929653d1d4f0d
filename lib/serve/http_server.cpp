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
#include <csignal>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "streamopt/error.hpp"
#include "streamopt/serve.hpp"

namespace streamopt::serve {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Largest request header block accepted (Beast's default is 8 KiB).
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;

std::string_view view(beast::string_view s) { return {s.data(), s.size()}; }

std::chrono::steady_clock::duration seconds(double s) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

// One client connection: read a request, answer it, repeat while the
// client keeps the connection alive.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, Service& service, double idle_timeout_s)
      : stream_(std::move(socket)), service_(service), idle_timeout_s_(idle_timeout_s) {}

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
      return write(service_.protocol_error(
                       413, fmt::format("body is over the limit of {} bytes (--max-body-bytes)",
                                        service_.config().max_body_bytes)),
                   11, false);
    }
    if (ec) return write(service_.protocol_error(400, fmt::format("malformed HTTP request: {}", ec.message())), 11, false);
    const auto& request = parser_->get();
    headers_.clear();
    for (const auto& field : request) headers_.push_back({view(field.name_string()), view(field.value())});
    const HttpRequest in{view(request.method_string()), view(request.target()), headers_, request.body()};
    write(service_.handle(in), request.version(), request.keep_alive());
  }

  void write(HttpResponse out, unsigned version, bool keep_alive) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(out.status));
    response_.keep_alive(keep_alive);
    if (!out.content_type.empty()) response_.set(http::field::content_type, out.content_type);
    for (const auto& [name, value] : out.headers) response_.set(name, value);
    response_.body() = std::move(out.body);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Connection::on_write, shared_from_this(), keep_alive));
  }

  void on_write(bool keep_alive, beast::error_code ec, std::size_t /*bytes*/) {
    if (ec) return close();
    if (!keep_alive) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  Service& service_;
  double idle_timeout_s_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::vector<HttpHeader> headers_;
  http::response<http::string_body> response_;
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
        std::make_shared<Connection>(std::move(socket), service, config.idle_timeout_s)->start();
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
};

HttpServer::HttpServer(Service& service, ServerConfig config) {
  if (config.threads == 0) throw Error("serve: threads must be at least 1");
  if (!(config.idle_timeout_s > 0) || !(config.sweep_interval_s > 0)) {
    throw Error("serve: idle_timeout_s and sweep_interval_s must be positive");
  }
  impl_ = std::make_unique<Impl>(service, std::move(config));
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
