// Dependency ordering of services: a pure function over names and edges.
#pragma once

#include <string>
#include <vector>

namespace migrate::config {

/// A service name and the names it depends on, in manifest order.
struct ServiceNode {
  std::string name;
  std::vector<std::string> depends_on;
};

/// Returns the names in topological order of depends_on; among services that are ready
/// at the same time, the one earlier in `nodes` comes first. Throws ConfigError for a
/// dependency on an unknown service or a cycle, naming it ("a -> b -> a").
std::vector<std::string> order_services(const std::vector<ServiceNode>& nodes);

}  // namespace migrate::config
