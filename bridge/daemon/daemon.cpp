#include "bridge/daemon/daemon.h"

#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "bridge/base/log.h"
#include "bridge/base/metrics.h"
#include "bridge/base/url.h"
#include "bridge/bridge_worker.h"
#include "bridge/daemon/admin_routes.h"
#include "bridge/daemon/admin_token.h"
#include "bridge/base/clock.h"
#include "bridge/daemon/bluesky_service.h"
#include "bridge/daemon/bridge_command.h"
#include "bridge/daemon/bridged_actors.h"
#include "bridge/retention.h"
#include "bridge/router.h"
#include "protocols/activitypub/bridged_publisher.h"
#include "protocols/atproto/mirror_writer.h"
#include "bridge/daemon/cli.h"
#include "bridge/daemon/fediverse_service.h"
#include "bridge/daemon/members_command.h"
#include "bridge/daemon/mirror_profile.h"
#include "bridge/daemon/queue_command.h"
#include "bridge/daemon/version.h"
#include "config/config_loader.h"
#include "protocols/net/http_server.h"
#include "storage/secret_vault.h"
#include "storage/store.h"

namespace causeway {
namespace {

// Blocks the shutdown signals in this thread before any other thread exists, so every thread
// inherits the mask and only sigwait() in the main thread ever sees them.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int wait_for_shutdown(const sigset_t& set) {
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP received; config reload is not supported yet, restart to apply changes");
      continue;
    }
    return sig;
  }
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
  ConfigLoadResult loaded = load_config(options.config_file, std::filesystem::current_path());
  if (!loaded.config) {
    for (const auto& line : loaded.errors) std::cerr << line << '\n';
    return kExitUsage;
  }
  Config config = std::move(*loaded.config);
  if (options.listen_override) {
    auto listen = parse_host_port(*options.listen_override);
    if (!listen) {
      std::cerr << "causeway run: --listen " << listen.error() << '\n';
      return kExitUsage;
    }
    config.server.listen = *listen;
  }
  if (options.data_override) config.storage_path = std::filesystem::absolute(*options.data_override).lexically_normal();

  init_logging(config.log_level, config.log_format);
  sigset_t signals = block_shutdown_signals();
  auto started = std::chrono::steady_clock::now();

  auto vault = SecretVault::open_or_create(config.master_key_file);
  if (!vault) {
    spdlog::error("cannot start: {}", vault.error());
    return kExitFailed;
  }
  auto store = Store::open(config.storage_path);
  if (!store) {
    spdlog::error("cannot start: {}", store.error());
    return kExitFailed;
  }

  auto token = create_admin_token(config.storage_path);
  if (!token) {
    spdlog::error("cannot start: {}", token.error());
    return kExitFailed;
  }

  Metrics metrics;
  HttpServerOptions public_options;
  public_options.metrics = &metrics;
  HttpServer server(public_options);
  install_public_routes(server, metrics);
  // The admin API and /metrics: their own listener, never the public port.
  HttpServerOptions admin_options;
  admin_options.name = "admin";
  admin_options.metrics = &metrics;
  admin_options.io_threads = 1;
  admin_options.handler_threads = 2;
  admin_options.max_connections = 64;
  HttpServer admin(admin_options);
  install_admin_routes(admin, AdminContext{metrics, **store, started});
  // One log, so event ids (time + sequence) are unique across both adapters.
  EventLog events(**store);
  auto fediverse = std::make_unique<FediverseService>(config, **store, events, *vault, metrics, now_us);
  // The router decides for every event in the batch that stores it (EventLog's observer).
  Router router(config, **store, fediverse->queue(), metrics,
                RouterHooks{[&fediverse](const std::string& group, const std::string& actor) {
                              return fediverse->is_member(group, actor);
                            },
                            [origin = fediverse->actors().origin() + "/ap/"](const std::string& id) {
                              return id.rfind(origin, 0) == 0;
                            }},
                now_us);
  for (const auto* actor : fediverse->actors().all())
    if (actor->kind == activitypub::LocalActor::Kind::group) router.set_group_id(actor->bridge, fediverse->actors().id(*actor));
  events.set_observer([&router](WriteBatch& batch, const Event& event) { router.route(batch, event); });
  fediverse->install_routes(server);
  GroupMembers members(**store, fediverse->social(), fediverse->outbox(), fediverse->actors());
  install_member_routes(admin, members, *token);
  install_queue_routes(admin, fediverse->queue(), *token);
  install_bridge_routes(admin, config, router, fediverse->queue(), **store, *token);
  std::unique_ptr<atproto::MirrorWriter> to_bluesky;  // made once the mirror accounts are resolved
  install_status_routes(admin, StatusContext{config, **store, fediverse->queue(), router,
                                              [&to_bluesky](const std::string& bridge) {
                                                return to_bluesky && to_bluesky->failing(bridge);
                                              },
                                              *token});
  // Bridged actors are known before the first request, so their documents and inboxes answer.
  auto bluesky = std::make_unique<BlueskyService>(config, **store, events, metrics);
  bluesky->on_mirror_resolved([&router](const std::string& bridge, const std::string& did) { router.set_mirror_did(bridge, did); });
  HttpClient writer_http(OutboundPolicy{config.allow_private_addresses},
                         std::string("causeway/") + kVersion + " (+" + config.server.public_url.to_string() + ")");
  BridgedActors bridged(**store, fediverse->actors(), bluesky->identities(), writer_http, now_us);
  if (Status loaded = bridged.load(); !loaded.ok()) spdlog::error("bridged actors: {}", loaded.error());
  for (const auto& [bridge, group] : fediverse->remote_group_ids()) router.set_group_id(bridge, group);
  // A group whose server answers only later is routed from then on.
  fediverse->on_group_resolved([&router](const std::string& bridge, const std::string& group) { router.set_group_id(bridge, group); });
  if (Status bound = server.bind(config.server.listen); !bound.ok()) {
    spdlog::error("cannot start: {}", bound.error());
    return kExitFailed;
  }
  AdminListen admin_address = admin_listen_of(config);
  if (Status bound = admin_address.tcp ? admin.bind(*admin_address.tcp) : admin.bind_unix(admin_address.unix_path);
      !bound.ok()) {
    spdlog::error("cannot start: admin listener: {}", bound.error());
    return kExitFailed;
  }
  std::thread http_thread([&server] { server.serve(); });
  std::thread admin_thread([&admin] { admin.serve(); });
  fediverse->start();
  for (const auto& [bridge, group] : fediverse->remote_group_ids()) router.set_group_id(bridge, group);
  bluesky->start();

  // The bridge's two writers: fediverse posts to the mirror accounts, Bluesky replies into groups.
  to_bluesky = std::make_unique<atproto::MirrorWriter>(atproto::MirrorWriterDeps{
      config, **store, events, fediverse->queue(), router, metrics, writer_http, *vault, now_us,
      [&fediverse](const std::string& actor) { return fediverse->member_profile(actor); },
      [&fediverse](const std::string& ap_id) -> std::optional<std::string> {
        const activitypub::LocalActor* a = fediverse->actors().by_url(ap_id);
        if (a && a->kind == activitypub::LocalActor::Kind::person && fediverse->actors().id(*a) == ap_id) return a->key;
        return std::nullopt;
      },
      [&fediverse](const std::string& object, const std::string& group) { return fediverse->fetch_post(object, group); }});
  auto to_fediverse = std::make_unique<activitypub::BridgedPublisher>(activitypub::BridgedPublisherDeps{
      config, **store, events, fediverse->queue(), router, metrics, fediverse->actors(), fediverse->outbox(),
      fediverse->social(), [&bridged](const std::string& did) { return bridged.ensure(did); },
      [&bridged](const std::string& did, const std::string& cid) { return bridged.blob_url(did, cid); }, now_us,
      [&fediverse](const std::string& actor) { return fediverse->recipient(actor); },
      [&fediverse](const std::string& acct) -> std::optional<std::string> {
        auto actor = fediverse->webfinger_actor(acct);
        if (!actor) return std::nullopt;
        // The mention's text is the poster's to write: only an actor on the host it names (or a
        // subdomain of it) is tagged and sent the post, not whatever that host's WebFinger names.
        std::string host = acct.substr(acct.rfind('@') + 1), actor_host = host_of_url(*actor);
        if (!domain_matches(actor_host, host)) return std::nullopt;
        return *actor;
      },
      [&fediverse](const std::string& bridge) { return fediverse->remote_group(bridge); }});
  BridgeWorkerDeps worker_deps{config, **store, events, fediverse->queue(), router.decisions(), metrics, now_us};
  BridgeWorker bluesky_worker(worker_deps, kToBlueskyJob, *to_bluesky);
  BridgeWorker fediverse_worker(worker_deps, kToFediverseJob, *to_fediverse);
  bluesky_worker.start();
  fediverse_worker.start();
  // The mirror accounts' profiles show their groups; shares the writer's logged-in clients.
  MirrorProfile profiles(MirrorProfileDeps{
      config, writer_http,
      [&to_bluesky](const BridgeConfig& bridge, std::string& error) { return to_bluesky->client(bridge, error); },
      [&fediverse](const BridgeConfig& bridge) { return fediverse->group_profile(bridge); }});
  fediverse->on_actor_updated([&profiles](const std::string& actor) { profiles.actor_updated(actor); });
  profiles.start();
  RetentionPruner retention(**store, events, fediverse->queue(), metrics, config.retention, now_us);
  retention.start();
  spdlog::info("causeway {} ({}) listening on http://{} for {} (admin on {}); store {} (schema {}); {} bridge(s)",
               kVersion, kGitCommit, config.server.listen.to_string(), config.server.public_url.to_string(),
               admin_address.to_string(),
               (*store)->path().string(), (*store)->schema_version(), config.bridges.size());

  int sig = wait_for_shutdown(signals);
  spdlog::info("{} received; stopping: no new connections, finishing requests in flight", strsignal(sig));
  // Key fetches first: requests waiting on one are answered ("try again later") instead of
  // holding the server's stop for as long as a silent key host takes.
  fediverse->stop_key_fetches();
  server.stop();
  admin.stop();
  http_thread.join();
  admin_thread.join();
  fediverse->on_actor_updated(nullptr);
  profiles.stop();
  bluesky_worker.stop();  // each finishes the job in hand
  fediverse_worker.stop();
  retention.stop();
  bluesky.reset();    // the stream stops after the frame in hand is stored
  fediverse->stop();  // finishes deliveries in flight
  to_bluesky.reset();
  to_fediverse.reset();
  fediverse.reset();
  store->reset();
  spdlog::info("stopped cleanly");
  return kExitOk;
}

}  // namespace causeway
