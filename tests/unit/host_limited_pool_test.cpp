// The fetch pool: one silent host can hold neither every thread nor unbounded memory.
#include "protocols/net/host_limited_pool.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

using namespace causeway;

TEST_CASE("a host whose fetches hang gets only its share of the pool, other hosts go on", "[fetch pool]") {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  HostLimitedPool pool(HostLimitedPoolOptions{4, 2, 3, 100});
  // Released however the test ends, so the pool's threads can be joined.
  struct Releaser {
    std::promise<void>& p;
    bool done = false;
    void operator()() {
      if (!done) p.set_value();
      done = true;
    }
    ~Releaser() { (*this)(); }
  } releaser{release};  // declared after the pool: destroyed, and so released, before it
  std::atomic<int> slow_started{0};
  for (int i = 0; i < 2; ++i)
    REQUIRE(pool.submit("silent.example", [&] {
      ++slow_started;
      released.wait();
    }));
  while (slow_started < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // The third and later tasks of that host wait, bounded: after 3 queued, submit refuses.
  std::atomic<int> slow_ran{0};
  for (int i = 0; i < 3; ++i) REQUIRE(pool.submit("silent.example", [&] { ++slow_ran; }));
  CHECK_FALSE(pool.submit("silent.example", [] {}));

  std::promise<void> other_done;
  REQUIRE(pool.submit("fine.example", [&] { other_done.set_value(); }));
  CHECK(other_done.get_future().wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(slow_ran == 0);  // still behind the two hung ones of their host

  releaser();
  pool.stop();
  CHECK(slow_started == 2);
}

TEST_CASE("stopping the pool drops queued tasks through their on_drop", "[fetch pool]") {
  HostLimitedPool pool(HostLimitedPoolOptions{1, 1, 10, 10});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> started{false};
  REQUIRE(pool.submit("h", [&] {
    started = true;
    released.wait();
  }));
  std::atomic<int> dropped{0}, ran{0};
  REQUIRE(pool.submit("h", [&] { ++ran; }, [&] { ++dropped; }));
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::thread stopper([&] { pool.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  release.set_value();
  stopper.join();
  CHECK(ran == 0);
  CHECK(dropped == 1);
  CHECK_FALSE(pool.submit("h", [] {}));
}
