#include <utility>  // Boost 1.74's asio needs std::exchange declared first under C++20

#include "protocols/net/http_server.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "protocols/net/handler_pool.h"
#include "protocols/net/query_params.h"

namespace causeway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;
using Strand = asio::strand<asio::io_context::executor_type>;
constexpr auto use_awaitable = asio::use_awaitable;

// Why a request or connection was refused: the label of causeway_http_refused_total and the word
// in the log line. `status` 0 means the connection is closed without an answer.
enum class Refusal {
  body_too_large,
  headers_too_large,
  too_many_fields,
  content_encoding,
  length_required,
  deadline,
  bad_request,
  too_many_connections,
  too_many_from_address,
  busy,
  handler_timeout,
};

const char* reason_of(Refusal r) {
  switch (r) {
    case Refusal::body_too_large: return "body_too_large";
    case Refusal::headers_too_large: return "headers_too_large";
    case Refusal::too_many_fields: return "too_many_header_fields";
    case Refusal::content_encoding: return "content_encoding";
    case Refusal::length_required: return "length_required";
    case Refusal::deadline: return "deadline";
    case Refusal::bad_request: return "bad_request";
    case Refusal::too_many_connections: return "connections_total";
    case Refusal::too_many_from_address: return "connections_per_address";
    case Refusal::busy: return "busy";
    case Refusal::handler_timeout: return "handler_timeout";
  }
  return "other";
}

int status_of(Refusal r) {
  switch (r) {
    case Refusal::body_too_large: return 413;
    case Refusal::headers_too_large:
    case Refusal::too_many_fields: return 431;
    case Refusal::content_encoding: return 415;
    case Refusal::length_required: return 411;
    case Refusal::deadline: return 408;
    case Refusal::bad_request: return 400;
    case Refusal::busy:
    case Refusal::handler_timeout: return 503;
    case Refusal::too_many_connections:
    case Refusal::too_many_from_address: return 0;
  }
  return 400;
}

bool iequals(beast::string_view a, beast::string_view b) { return beast::iequals(a, b); }

struct Route {
  std::string method;
  std::regex pattern;
  AsyncHandler handler;
};

// Where a connection parks while a handler thread works on its request: the Responder posts the
// answer to the connection's strand and wakes it. Touched only on that strand.
struct PendingAnswer {
  explicit PendingAnswer(const asio::any_io_executor& executor) : timer(executor) {}
  asio::steady_timer timer;
  std::optional<ServerResponse> response;
};

template <class Executor>
std::string remote_address_of(const asio::basic_stream_socket<tcp, Executor>& socket) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}
template <class Executor>
std::string remote_address_of(const asio::basic_stream_socket<local, Executor>&) {
  return "unix";
}

}  // namespace

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o) : options(std::move(o)) {}

  HttpServerOptions options;
  std::vector<Route> routes;
  std::function<void(const ServerRequest&, const ServerResponse&)> logger;
  std::unique_ptr<HandlerPool> pool;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};

  std::mutex mu;  // guards connections, per_address, busy
  std::condition_variable idle;
  std::size_t connections = 0;
  std::map<std::string, std::size_t> per_address;
  std::size_t busy = 0;  // requests between their first byte and their answer

  // Declared after the counts so that it is destroyed before them: the coroutines it still holds
  // release their connection counts into the members above.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<asio::basic_socket_acceptor<tcp, Strand>> tcp_acceptor;
  std::optional<asio::basic_socket_acceptor<local, Strand>> unix_acceptor;

  void refused(Refusal r, const std::string& remote) {
    spdlog::info("http {}: refused {} from {}", options.name, reason_of(r), remote);
    if (options.metrics)
      options.metrics
          ->counter("causeway_http_refused_total", "Inbound HTTP requests and connections refused, by reason.",
                    {{"reason", reason_of(r)}})
          .inc();
  }

  bool admit(const std::string& remote) {
    std::optional<Refusal> refusal;
    {
      std::lock_guard lock(mu);
      if (connections >= options.max_connections) refusal = Refusal::too_many_connections;
      else if (per_address[remote] >= options.max_connections_per_address) refusal = Refusal::too_many_from_address;
      else {
        ++connections;
        ++per_address[remote];
      }
      if (refusal && per_address[remote] == 0) per_address.erase(remote);
    }
    if (refusal) refused(*refusal, remote);
    return !refusal;
  }

  void release(const std::string& remote) {
    std::lock_guard lock(mu);
    --connections;
    if (--per_address[remote] == 0) per_address.erase(remote);
  }

  void request_started() {
    std::lock_guard lock(mu);
    ++busy;
  }
  void request_finished() {
    {
      std::lock_guard lock(mu);
      --busy;
    }
    idle.notify_all();
  }

  // The route for (method, path): the handler and its regex groups, or the status to answer
  // (404 unknown path, 405 known path with another method).
  std::variant<std::pair<const Route*, std::vector<std::string>>, int> find_route(const std::string& method,
                                                                                   const std::string& path) const {
    bool path_known = false;
    for (const auto& route : routes) {
      std::smatch m;
      if (!std::regex_match(path, m, route.pattern)) continue;
      path_known = true;
      if (route.method != method) continue;
      std::vector<std::string> groups;
      for (const auto& g : m) groups.push_back(g.str());
      return std::make_pair(&route, std::move(groups));
    }
    return path_known ? 405 : 404;
  }

  template <class Protocol>
  asio::awaitable<void> serve_connection(typename asio::basic_stream_socket<Protocol, Strand> socket, std::string remote);
  template <class Acceptor>
  asio::awaitable<void> accept_loop(Acceptor& acceptor);
};

namespace {

// Holds a connection's place in the counts for exactly as long as the connection lives.
class ConnectionSlot {
 public:
  ConnectionSlot(HttpServer::Impl& impl, std::string remote) : impl_(impl), remote_(std::move(remote)) {}
  ~ConnectionSlot() { impl_.release(remote_); }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  HttpServer::Impl& impl_;
  std::string remote_;
};

class BusyRequest {
 public:
  explicit BusyRequest(HttpServer::Impl& impl) : impl_(impl) { impl_.request_started(); }
  ~BusyRequest() { impl_.request_finished(); }
  BusyRequest(const BusyRequest&) = delete;
  BusyRequest& operator=(const BusyRequest&) = delete;

 private:
  HttpServer::Impl& impl_;
};

ServerResponse error_response(int status, std::string_view reason) {
  ServerResponse res;
  res.status = status;
  res.set_content("{\"error\":\"" + std::string(reason) + "\"}", "application/json");
  return res;
}

Refusal refusal_of(const beast::error_code& ec) {
  if (ec == http::error::header_limit) return Refusal::headers_too_large;
  if (ec == http::error::body_limit) return Refusal::body_too_large;
  if (ec == beast::error::timeout) return Refusal::deadline;
  return Refusal::bad_request;
}

// The peer went away (or the request ended cleanly at a message boundary): nothing to answer.
bool peer_gone(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::operation_aborted;
}

http::response<http::string_body> to_beast(ServerResponse&& out, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(out.status), version};
  for (auto& [name, value] : out.headers) res.set(name, value);
  res.body() = std::move(out.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

ServerRequest to_server_request(http::request<http::string_body>&& in, std::string remote) {
  ServerRequest req;
  req.method = std::string(in.method_string());
  req.target = std::string(in.target());
  std::size_t q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) append_query_params(std::string_view(req.target).substr(q + 1), req.params);
  for (const auto& field : in) req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  req.body = std::move(in.body());
  if (auto type = req.header("Content-Type"); type && type->rfind("application/x-www-form-urlencoded", 0) == 0)
    append_query_params(req.body, req.params);
  req.remote_address = std::move(remote);
  return req;
}

}  // namespace

template <class Protocol>
asio::awaitable<void> HttpServer::Impl::serve_connection(asio::basic_stream_socket<Protocol, Strand> socket,
                                                         std::string remote) {
  ConnectionSlot slot(*this, remote);
  beast::basic_stream<Protocol, Strand> stream(std::move(socket));
  beast::flat_buffer buffer;
  beast::error_code ec;
  bool first = true;

  // Answers a refused request and closes: the answer first, then our sending side, then a short,
  // bounded drain of what the client is still sending (discarded), so that closing with unread
  // data (which sends a reset) does not destroy the answer before the client reads it.
  auto refuse = [&](Refusal r, unsigned version) -> asio::awaitable<void> {
    refused(r, remote);
    if (status_of(r) == 0 || r == Refusal::deadline) co_return;
    beast::error_code wec;
    stream.expires_after(options.write_timeout);
    auto res = to_beast(error_response(status_of(r), reason_of(r)), version, false);
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, wec));
    if (wec) co_return;
    stream.socket().shutdown(asio::socket_base::shutdown_send, wec);
    stream.expires_after(std::chrono::seconds(1));
    std::array<char, 16384> sink;
    for (std::size_t drained = 0; drained < options.max_body_bytes && !wec;)
      drained += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(use_awaitable, wec));
  };

  while (!stopping) {
    if (buffer.size() == 0) {
      // Waiting for a request to begin: the idle timeout (a new connection too).
      stream.expires_after(options.idle_timeout);
      std::size_t n = co_await stream.async_read_some(buffer.prepare(4096), asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (first && ec == beast::error::timeout) refused(Refusal::deadline, remote);
        co_return;
      }
      buffer.commit(n);
    }
    first = false;
    BusyRequest busy_request(*this);
    stream.expires_after(options.request_deadline);  // the whole request, headers and body
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
    parser.body_limit(options.max_body_bytes);
    co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (!peer_gone(ec)) co_await refuse(refusal_of(ec), 11);
      co_return;
    }
    const auto& head = parser.get();
    unsigned version = head.version();
    bool is_post = head.method() == http::verb::post;
    if (static_cast<std::size_t>(std::distance(head.begin(), head.end())) > options.max_header_fields) {
      co_await refuse(Refusal::too_many_fields, version);
      co_return;
    }
    if (auto enc = head.find(http::field::content_encoding);
        is_post && enc != head.end() && !iequals(enc->value(), "identity")) {
      co_await refuse(Refusal::content_encoding, version);
      co_return;
    }
    // A POST whose body has no framing would be read up to the connection's end; refuse it.
    if (is_post && !parser.chunked() && !parser.content_length()) {
      co_await refuse(Refusal::length_required, version);
      co_return;
    }
    auto found = find_route(std::string(head.method_string()), std::string(head.target().substr(0, head.target().find('?'))));
    if (auto* status = std::get_if<int>(&found)) {
      // The body, if any, is not read: answer and close.
      bool keep = parser.is_done() && head.keep_alive() && !stopping;
      stream.expires_after(options.write_timeout);
      auto res = to_beast(error_response(*status, *status == 404 ? "not found" : "method not allowed"), version, keep);
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      if (logger) {
        ServerRequest unrouted;
        unrouted.method = std::string(head.method_string());
        unrouted.target = std::string(head.target());
        unrouted.path = unrouted.target.substr(0, unrouted.target.find('?'));
        unrouted.remote_address = remote;
        ServerResponse answered;
        answered.status = *status;
        logger(unrouted, answered);
      }
      if (!keep) co_return;
      continue;
    }
    if (auto expect = head.find(http::field::expect); expect != head.end() && iequals(expect->value(), "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, version};
      co_await http::async_write(stream, go_on, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
    }
    if (!parser.is_done()) {
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (!peer_gone(ec)) co_await refuse(refusal_of(ec), version);
        co_return;
      }
    }
    stream.expires_never();  // the handler's time is bounded by handler_timeout below
    bool keep_alive = parser.get().keep_alive();
    auto [route, matches] = std::get<0>(found);
    auto request = std::make_shared<ServerRequest>(to_server_request(parser.release(), remote));
    request->matches = std::move(matches);

    auto pending = std::make_shared<PendingAnswer>(co_await asio::this_coro::executor);
    Responder responder([pending](ServerResponse r) {
      asio::post(pending->timer.get_executor(), [pending, r = std::move(r)]() mutable {
        if (pending->response) return;
        pending->response = std::move(r);
        pending->timer.cancel();
      });
    });
    bool queued = pool->try_submit([route = route, request, responder = std::move(responder), name = options.name]() {
      try {
        route->handler(request, responder);
      } catch (const std::exception& e) {
        spdlog::error("http {}: handler for {} {} threw: {}", name, request->method, request->path, e.what());
        responder.send(error_response(500, "internal"));
      }
    });
    if (!queued) {
      co_await refuse(Refusal::busy, version);
      co_return;
    }
    if (!pending->response) {
      pending->timer.expires_after(options.handler_timeout);
      co_await pending->timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
    if (!pending->response) {
      co_await refuse(Refusal::handler_timeout, version);
      co_return;
    }
    int status = pending->response->status;
    bool keep = keep_alive && !stopping;
    stream.expires_after(options.write_timeout);
    auto res = to_beast(std::move(*pending->response), version, keep);
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    if (logger) {
      ServerResponse answered;
      answered.status = status;
      logger(*request, answered);
    }
    if (!keep) break;
  }
  stream.socket().shutdown(asio::socket_base::shutdown_send, ec);
}

template <class Acceptor>
asio::awaitable<void> HttpServer::Impl::accept_loop(Acceptor& acceptor) {
  using Protocol = typename Acceptor::protocol_type;
  for (;;) {
    beast::error_code ec;
    asio::basic_stream_socket<Protocol, Strand> socket(asio::make_strand(ioc));
    co_await acceptor.async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of file descriptors, usually: wait a moment rather than spin.
      spdlog::warn("http {}: accept failed: {}", options.name, ec.message());
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    std::string remote = remote_address_of(socket);
    if (!admit(remote)) continue;  // the socket closes as it goes out of scope, before any read
    if constexpr (std::is_same_v<Protocol, tcp>) socket.set_option(tcp::no_delay(true), ec);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve_connection<Protocol>(std::move(socket), std::move(remote)), asio::detached);
  }
}

HttpServer::HttpServer(HttpServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::get(std::string path_regex, Handler h) {
  impl_->routes.push_back({"GET", std::regex(path_regex), [h = std::move(h)](std::shared_ptr<const ServerRequest> req, Responder r) {
                             ServerResponse res;
                             h(*req, res);
                             r.send(std::move(res));
                           }});
}

void HttpServer::post(std::string path_regex, Handler h) {
  impl_->routes.push_back({"POST", std::regex(path_regex), [h = std::move(h)](std::shared_ptr<const ServerRequest> req, Responder r) {
                             ServerResponse res;
                             h(*req, res);
                             r.send(std::move(res));
                           }});
}

void HttpServer::post_async(std::string path_regex, AsyncHandler h) {
  impl_->routes.push_back({"POST", std::regex(path_regex), std::move(h)});
}

void HttpServer::set_logger(std::function<void(const ServerRequest&, const ServerResponse&)> logger) {
  impl_->logger = std::move(logger);
}

Status HttpServer::bind(const HostPort& address) {
  auto fail = [&](const std::string& reason) {
    return make_error("cannot listen on " + address.to_string() + ": " + reason);
  };
  beast::error_code ec;
  tcp::resolver resolver(impl_->ioc);
  auto found = resolver.resolve(address.host, std::to_string(address.port), tcp::resolver::passive, ec);
  if (ec || found.empty()) return fail("cannot resolve host: " + ec.message());
  tcp::endpoint endpoint = found.begin()->endpoint();
  auto& acceptor = impl_->tcp_acceptor.emplace(asio::make_strand(impl_->ioc));
  // SO_REUSEADDR for quick restarts; never SO_REUSEPORT, which would let a second daemon bind the
  // same port and silently share its traffic.
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) return {};
  impl_->tcp_acceptor.reset();
  return fail(ec.message());
}

Status HttpServer::bind_unix(const std::filesystem::path& path) {
  auto fail = [&](const std::string& reason) { return make_error("cannot listen on unix:" + path.string() + ": " + reason); };
  beast::error_code ec;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return fail("exists and is not a socket");
    // A socket file someone still answers on is in use; one nobody answers on is left over.
    local::socket probe(impl_->ioc);
    probe.connect(local::endpoint(path.string()), ec);
    if (!ec) return fail("Address already in use");
    std::error_code removed;
    std::filesystem::remove(path, removed);
  }
  auto& acceptor = impl_->unix_acceptor.emplace(asio::make_strand(impl_->ioc));
  acceptor.open(local(), ec);
  if (!ec) acceptor.bind(local::endpoint(path.string()), ec);
  // Only the daemon's user may connect (the admin token is required as well).
  if (!ec && ::chmod(path.c_str(), 0600) != 0) ec.assign(errno, boost::system::system_category());
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) return {};
  impl_->unix_acceptor.reset();
  return fail(ec.message());
}

void HttpServer::serve() {
  Impl& impl = *impl_;
  if (impl.stopping) return;
  impl.pool = std::make_unique<HandlerPool>(impl.options.handler_threads, impl.options.handler_queue);
  impl.work.emplace(impl.ioc.get_executor());
  if (impl.tcp_acceptor)
    asio::co_spawn(impl.tcp_acceptor->get_executor(), impl.accept_loop(*impl.tcp_acceptor), asio::detached);
  if (impl.unix_acceptor)
    asio::co_spawn(impl.unix_acceptor->get_executor(), impl.accept_loop(*impl.unix_acceptor), asio::detached);
  impl.running = true;
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl.options.io_threads; ++i) threads.emplace_back([&impl] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : threads) t.join();
  impl.pool->shutdown();  // handlers still running finish before serve() returns; queued ones are dropped
  impl.running = false;
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  if (impl.stopping.exchange(true)) return;
  auto close = [](auto& acceptor) {
    if (acceptor) asio::post(acceptor->get_executor(), [&a = *acceptor] {
        beast::error_code ec;
        a.close(ec);
      });
  };
  close(impl.tcp_acceptor);
  close(impl.unix_acceptor);
  {
    std::unique_lock lock(impl.mu);
    impl.idle.wait_for(lock, impl.options.stop_grace, [&impl] { return impl.busy == 0; });
  }
  impl.work.reset();
  impl.ioc.stop();
}

bool HttpServer::running() const { return impl_->running; }

}  // namespace causeway
