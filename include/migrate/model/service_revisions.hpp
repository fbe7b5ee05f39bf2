// A service with its revisions, resolved for its database's dialect: what a run works on.
#pragma once

#include <string>
#include <vector>

#include "migrate/model/revision.hpp"

namespace migrate {

/// A service and its revisions, resolved for its database's dialect.
struct ServiceRevisions {
  std::string service;
  std::vector<Revision> revisions;
};

}  // namespace migrate
