// The registry of transfer steps; see transfer_step.hpp.
#include "migrate/step/transfer_step.hpp"

#include "migrate/util/error.hpp"

namespace migrate::step {

namespace {

// Function-local, so that registration from any translation unit's static initialiser
// finds it constructed.
std::vector<TransferStepDefinition>& transfer_registry() {
  static std::vector<TransferStepDefinition> steps;
  return steps;
}

}  // namespace

bool register_transfer_step(TransferStepDefinition step) {
  transfer_registry().push_back(std::move(step));
  return true;
}

const std::vector<TransferStepDefinition>& registered_transfer_steps() { return transfer_registry(); }

const TransferStepDefinition* find_transfer_step(std::string_view name) {
  const TransferStepDefinition* found = nullptr;
  for (const TransferStepDefinition& step : transfer_registry()) {
    if (step.name != name) continue;
    if (found != nullptr) {
      throw UsageError("the transfer step " + std::string(name) + " is registered twice, by " + found->source_file +
                       " and " + step.source_file + ": rename one");
    }
    found = &step;
  }
  return found;
}

}  // namespace migrate::step
