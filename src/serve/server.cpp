// The HTTP server of `migrate serve`: routes, the token check, limits and security headers.
#include "migrate/serve/server.hpp"

#include <httplib.h>
#include <poll.h>
#include <sys/socket.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "migrate/audit/audit_reader.hpp"
#include "migrate/orchestrate/backups.hpp"
#include "migrate/orchestrate/read_status.hpp"
#include "migrate/util/duration.hpp"
#include "migrate/util/error.hpp"
#include "migrate/util/interrupt.hpp"
#include "serve/bounded.hpp"
#include "serve/documents.hpp"
#include "serve/http_module.hpp"
#include "serve/page.hpp"
#include "serve/status_cache.hpp"

namespace migrate::serve {

namespace {

constexpr std::size_t k_default_audit_limit = 50;
constexpr std::size_t k_max_audit_limit = 1000;
constexpr std::size_t k_page_audit_events = 20;
constexpr std::size_t k_max_history_limit = 100000;
constexpr const char* k_json = "application/json; charset=utf-8";
constexpr int k_listen_backlog = 256;

// Compares in time that depends on the length of `given` only, never on where it differs.
bool same_secret(const std::string& given, const std::string& secret) {
  unsigned diff = given.size() == secret.size() ? 0U : 1U;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i]) ^ static_cast<unsigned char>(secret[i % secret.size()]);
  }
  return diff == 0;
}

bool authorized(const httplib::Request& request, const std::string& token) {
  if (token.empty()) return true;
  const std::string header = request.get_header_value("Authorization");
  constexpr std::size_t k_scheme = 7;  // "Bearer "
  if (header.size() <= k_scheme) return false;
  std::string scheme = header.substr(0, k_scheme);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme == "bearer " && same_secret(header.substr(k_scheme), token);
}

void send_json(httplib::Response& response, int status, const Json& document) {
  response.status = status;
  response.set_content(document.dump(2) + "\n", k_json);
}

// A positive whole number no larger than `max`, or the default when absent. Throws UsageError.
std::size_t limit_param(const httplib::Request& request, std::size_t fallback, std::size_t max) {
  if (!request.has_param("limit")) return fallback;
  const std::string text = request.get_param_value("limit");
  const std::string message = "limit must be a whole number from 1 to " + std::to_string(max);
  if (text.empty() || text.size() > 9) throw UsageError(message);
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw UsageError(message);
  }
  const std::size_t value = std::stoul(text);
  if (value == 0 || value > max) throw UsageError(message);
  return value;
}

std::string service_param(const httplib::Request& request, const config::Manifest& manifest) {
  const std::string service = request.get_param_value("service");
  if (!service.empty() && manifest.find(service) == nullptr) throw UsageError("unknown service " + service);
  return service;
}

std::string make_nonce() {
  std::random_device random;
  std::string nonce;
  constexpr const char* k_hex = "0123456789abcdef";
  for (int i = 0; i < 32; ++i) nonce += k_hex[random() & 15U];
  return nonce;
}

// Runs a handler; a bad query value is a 400 and any other failure (a bad manifest too) a
// 500, both as JSON.
template <typename Handler>
httplib::Server::Handler guarded(Handler handler) {
  return [handler](const httplib::Request& request, httplib::Response& response) {
    try {
      handler(request, response);
    } catch (const ConfigError& e) {
      send_json(response, 500, error_document(e.what()));
    } catch (const UsageError& e) {
      send_json(response, 400, error_document(e.what()));
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", request.method, request.path, e.what());
      send_json(response, 500, error_document(e.what()));
    }
  };
}

class Routes {
 public:
  explicit Routes(const ServeOptions& options)
      : m_options(options), m_cache(options.config, options.database_url, options.cache, options.read_timeout) {}

  void install(httplib::Server& server) {
    server.Get("/", guarded([this](const auto& rq, auto& rs) { page(rq, rs); }));
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& rs) {
      send_json(rs, 200, {{"status", "ok"}});
    });
    server.Get("/readyz", guarded([this](const auto&, auto& rs) {
                 const auto snapshot = m_cache.get();
                 send_json(rs, ready(*snapshot) ? 200 : 503, readiness_document(*snapshot));
               }));
    server.Get("/metrics", guarded([this](const auto&, auto& rs) {
                 rs.set_content(metrics_text(*m_cache.get()), "text/plain; version=0.0.4; charset=utf-8");
               }));
    server.Get("/api/migrations/status",
               guarded([this](const auto&, auto& rs) { send_json(rs, 200, status_document(*m_cache.get())); }));
    server.Get("/api/migrations/history", guarded([this](const auto& rq, auto& rs) { history(rq, rs); }));
    server.Get("/api/audit", guarded([this](const auto& rq, auto& rs) {
                 const config::Manifest manifest = config::load_manifest(m_options.config);
                 const std::size_t limit = limit_param(rq, k_default_audit_limit, k_max_audit_limit);
                 const std::string service = service_param(rq, manifest);
                 send_json(rs, 200,
                           audit_document(audit::read_recent_events(manifest.defaults.audit_log, limit, service)));
               }));
    server.Get("/api/backups", guarded([this](const auto& rq, auto& rs) {
                 const config::Manifest manifest = config::load_manifest(m_options.config);
                 send_json(rs, 200, backups_document(orchestrate::list_backups(manifest, service_param(rq, manifest))));
               }));
  }

 private:
  void page(const httplib::Request&, httplib::Response& response) {
    const auto snapshot = m_cache.get();
    std::vector<std::string> audit_lines;
    std::vector<orchestrate::ServiceBackups> backups;
    if (snapshot->error.empty()) {
      const config::Manifest manifest = config::load_manifest(m_options.config);
      audit_lines = audit::read_recent_events(manifest.defaults.audit_log, k_page_audit_events);
      backups = orchestrate::list_backups(manifest, "");
    }
    const std::string nonce = make_nonce();
    response.set_header("Content-Security-Policy",
                        "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce +
                            "'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
                            "frame-ancestors 'none'");
    response.set_content(render_page({*snapshot, audit_lines, backups, m_options.refresh, nonce}),
                         "text/html; charset=utf-8");
  }

  void history(const httplib::Request& request, httplib::Response& response) {
    orchestrate::Project project(m_options.config, m_options.database_url, db::OpenMode::read_only);
    const std::string service = service_param(request, project.manifest());
    const std::size_t limit = limit_param(request, k_max_history_limit, k_max_history_limit);
    Json services = Json::object();
    bool success = true;
    for (const config::ServiceConfig* selected : project.select(service)) {
      try {
        // Each service on a connection of its own, within --read-timeout: a hung database
        // holds up neither the others nor the worker thread for longer.
        const std::optional<std::vector<orchestrate::HistoryEntry>> read =
            run_bounded<std::vector<orchestrate::HistoryEntry>>(
                [config = m_options.config, url = m_options.database_url, name = selected->name] {
                  orchestrate::Project own(config, url, db::OpenMode::read_only);
                  return orchestrate::read_history(own, *own.select(name).at(0));
                },
                m_options.read_timeout);
        if (!read) {
          throw DatabaseUnreachable("timed out after " + util::format_duration(m_options.read_timeout) +
                                    " reading the history: the database is slow or does not answer");
        }
        const std::vector<orchestrate::HistoryEntry>& entries = *read;
        Json list = Json::array();
        const std::size_t first = entries.size() > limit ? entries.size() - limit : 0;
        for (std::size_t i = first; i < entries.size(); ++i) list.push_back(history_entry(entries[i]));
        services[selected->name] = {{"entries", std::move(list)}};
      } catch (const Error& e) {
        success = false;
        services[selected->name] = {{"error", e.what()}};
      }
    }
    send_json(response, 200, {{"success", success}, {"services", std::move(services)}});
  }

  const ServeOptions& m_options;
  StatusCache m_cache;
};

// Stops the server once SIGINT or SIGTERM arrives (the handler only records it and wakes
// interrupt_fd; stopping is done here, outside the handler).
class InterruptWatcher {
 public:
  explicit InterruptWatcher(httplib::Server& server)
      : m_registration(&ignore, this), m_thread([this, &server] { watch(server); }) {}
  ~InterruptWatcher() {
    m_done = true;
    m_thread.join();
  }
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  // Registered so that a signal is recorded (and the server drained) instead of ending
  // the process at once.
  static void ignore(void*) noexcept {}

  void watch(httplib::Server& server) {
    while (!m_done) {
      pollfd fd{util::interrupt_fd(), POLLIN, 0};
      ::poll(&fd, 1, 200);
      if (util::interrupt_signal() != 0) {
        spdlog::info("{}: stopping", util::signal_name(util::interrupt_signal()));
        server.stop();
        return;
      }
    }
  }

  util::CancelRegistration m_registration;
  std::atomic<bool> m_done{false};
  std::thread m_thread;
};

}  // namespace

void serve_http(const ServeOptions& options, const std::function<void(const std::string& url)>& listening) {
  const ListenAddress address = parse_listen_address(options.listen);
  if (!address.loopback && options.token.empty()) {
    throw UsageError("--listen " + options.listen +
                     " is not a loopback address: without a token anyone on the network could read every "
                     "database's status; give one with --token-env NAME, or listen on 127.0.0.1");
  }
  config::load_manifest(options.config);  // a bad manifest stops the start, not the first request

  httplib::Server server;
  const int threads = options.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  server.set_read_timeout(std::chrono::seconds(5));
  server.set_write_timeout(std::chrono::seconds(5));
  server.set_keep_alive_timeout(5);
  server.set_tcp_nodelay(true);         // small JSON answers: no Nagle/delayed-ACK stall of ~40 ms each
  server.set_payload_max_length(8192);  // nothing is ever read from a body
  server.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"Cache-Control", "no-store"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Frame-Options", "DENY"}});
  const std::string token = options.token;
  server.set_pre_routing_handler([token](const httplib::Request& request, httplib::Response& response) {
    if (request.method != "GET" && request.method != "HEAD") {
      response.set_header("Allow", "GET, HEAD");
      send_json(response, 405, error_document("method " + request.method + " not allowed: the server is read-only"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (request.path != "/healthz" && !authorized(request, token)) {
      response.set_header("WWW-Authenticate", "Bearer");
      send_json(response, 401, error_document("missing or wrong bearer token"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request& request,
                                                                   httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string message = response.status == 404 ? "no such endpoint: " + request.path
                                                       : "bad request (HTTP " + std::to_string(response.status) + ")";
    send_json(response, response.status, error_document(message));
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_logger([](const httplib::Request& request, const httplib::Response& response) {
    spdlog::debug("{} {} {}", request.method, request.path, response.status);
  });
  Routes routes(options);
  routes.install(server);
  // cpp-httplib 0.11 listens with a queue of 5 connections: many clients reconnecting at once
  // (keep-alive ends after 5 requests) overflow it, and each dropped SYN costs the client a
  // 1 s retransmission. The bound socket is listened on again with a longer queue (Linux
  // takes the new length).
  int listening_socket = -1;
  server.set_socket_options([&listening_socket](socket_t socket) {
    httplib::default_socket_options(socket);
    listening_socket = socket;
  });

  int port = address.port;
  if (port == 0) {
    port = server.bind_to_any_port(address.host);
  } else if (!server.bind_to_port(address.host, port)) {
    port = -1;
  }
  if (port < 0) throw UsageError("cannot listen on " + options.listen + ": the address is in use or not this host's");
  if (listening_socket >= 0 && ::listen(listening_socket, k_listen_backlog) != 0) {
    spdlog::warn("cannot lengthen the listen queue: {}", std::strerror(errno));
  }
  const std::string host = address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
  listening("http://" + host + ":" + std::to_string(port) + "/");
  {
    InterruptWatcher watcher(server);
    server.listen_after_bind();
  }
  // Asked to stop, the server has drained: a clean stop, not an interrupted command.
  if (util::interrupt_signal() != 0) {
    spdlog::info("{}: stopped after finishing the requests in flight", util::signal_name(util::interrupt_signal()));
    return;
  }
  throw Error(ExitCode::failed, "the server stopped unexpectedly");
}

}  // namespace migrate::serve

extern "C" __attribute__((visibility("default"))) const migrate::serve::HttpModule migrate_http_module{
    migrate::serve::k_http_module_abi, MIGRATE_VERSION, &migrate::serve::serve_http};
