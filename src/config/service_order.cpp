// Kahn's algorithm with a manifest-order tie break, and cycle reporting by walking back.
#include "migrate/config/service_order.hpp"

#include <algorithm>
#include <map>

#include "migrate/util/error.hpp"
#include "migrate/util/text.hpp"

namespace migrate::config {

namespace {

// Finds one cycle among the nodes not yet ordered and renders it as "a -> b -> a".
std::string describe_cycle(const std::vector<ServiceNode>& nodes, const std::vector<bool>& placed,
                           const std::map<std::string, std::size_t>& index) {
  std::size_t current = 0;
  while (placed[current]) ++current;
  std::vector<std::size_t> path;
  std::vector<int> position(nodes.size(), -1);
  while (position[current] < 0) {
    position[current] = static_cast<int>(path.size());
    path.push_back(current);
    for (const std::string& dep : nodes[current].depends_on) {
      const std::size_t next = index.at(dep);
      if (!placed[next]) {
        current = next;
        break;
      }
    }
  }
  std::vector<std::string> names;
  for (std::size_t i = static_cast<std::size_t>(position[current]); i < path.size(); ++i) {
    names.push_back(nodes[path[i]].name);
  }
  names.push_back(nodes[current].name);
  return util::join(names, " -> ");
}

}  // namespace

std::vector<std::string> order_services(const std::vector<ServiceNode>& nodes) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i) index[nodes[i].name] = i;
  for (const ServiceNode& node : nodes) {
    for (const std::string& dep : node.depends_on) {
      if (index.count(dep) == 0) {
        throw ConfigError("service '" + node.name + "' depends on unknown service '" + dep + "'");
      }
    }
  }

  std::vector<std::string> order;
  std::vector<bool> placed(nodes.size(), false);
  while (order.size() < nodes.size()) {
    bool progressed = false;
    for (std::size_t i = 0; i < nodes.size() && !progressed; ++i) {
      if (placed[i]) continue;
      const bool ready = std::all_of(nodes[i].depends_on.begin(), nodes[i].depends_on.end(),
                                     [&](const std::string& dep) { return placed[index[dep]]; });
      if (ready) {
        placed[i] = true;
        order.push_back(nodes[i].name);
        progressed = true;
      }
    }
    if (!progressed) {
      throw ConfigError("dependency cycle between services: " + describe_cycle(nodes, placed, index));
    }
  }
  return order;
}

}  // namespace migrate::config
