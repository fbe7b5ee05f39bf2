// Dependency ordering of services.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "migrate/config/service_order.hpp"
#include "migrate/util/error.hpp"

using migrate::ConfigError;
using migrate::config::order_services;
using migrate::config::ServiceNode;
using Names = std::vector<std::string>;

namespace {

std::string config_error_of(const std::vector<ServiceNode>& nodes) {
  try {
    order_services(nodes);
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("no ConfigError");
  return {};
}

}  // namespace

TEST_CASE("services come in topological order with manifest order breaking ties", "[unit]") {
  struct Case {
    const char* description;
    std::vector<ServiceNode> nodes;
    Names expected;
  };
  const Case cases[] = {
      {"no services", {}, {}},
      {"independent services keep manifest order",
       {{"c", {}}, {"a", {}}, {"b", {}}},
       {"c", "a", "b"}},
      {"the DESIGN example",
       {{"dashboard", {}}, {"stream-bot", {"dashboard"}}, {"discord-bot", {"dashboard"}}},
       {"dashboard", "stream-bot", "discord-bot"}},
      {"the DESIGN example with the shared dependency written last",
       {{"stream-bot", {"dashboard"}}, {"discord-bot", {"dashboard"}}, {"dashboard", {}}},
       {"dashboard", "stream-bot", "discord-bot"}},
      {"a chain written backwards",
       {{"c", {"b"}}, {"b", {"a"}}, {"a", {}}},
       {"a", "b", "c"}},
      {"a diamond",
       {{"top", {"left", "right"}}, {"right", {"base"}}, {"left", {"base"}}, {"base", {}}},
       {"base", "right", "left", "top"}},
      {"once ready, an earlier service goes before a later one",
       {{"x", {"z"}}, {"z", {}}, {"y", {}}},
       {"z", "x", "y"}},
      {"a duplicated dependency is harmless",
       {{"b", {"a", "a"}}, {"a", {}}},
       {"a", "b"}},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    CHECK(order_services(c.nodes) == c.expected);
  }
}

TEST_CASE("a dependency cycle is reported with its path", "[unit]") {
  struct Case {
    const char* description;
    std::vector<ServiceNode> nodes;
    std::string cycle;
  };
  const Case cases[] = {
      {"two services", {{"a", {"b"}}, {"b", {"a"}}}, "a -> b -> a"},
      {"three services", {{"a", {"b"}}, {"b", {"c"}}, {"c", {"a"}}}, "a -> b -> c -> a"},
      {"a self-dependency", {{"ok", {}}, {"a", {"a"}}}, "a -> a"},
      {"a service that only leads into the cycle is not part of it",
       {{"x", {"a"}}, {"a", {"b"}}, {"b", {"a"}}},
       "a -> b -> a"},
      {"a cycle behind placed services",
       {{"base", {}}, {"p", {"base", "q"}}, {"q", {"p"}}},
       "p -> q -> p"},
  };
  for (const Case& c : cases) {
    INFO(c.description);
    const std::string message = config_error_of(c.nodes);
    CHECK(message.find("cycle") != std::string::npos);
    CHECK(message.find(c.cycle) != std::string::npos);
  }
}

TEST_CASE("a dependency on an unknown service names both services", "[unit]") {
  const std::string message = config_error_of({{"dashboard", {}}, {"stream-bot", {"dashboard", "ghost"}}});
  CHECK(message.find("'stream-bot'") != std::string::npos);
  CHECK(message.find("'ghost'") != std::string::npos);
}
