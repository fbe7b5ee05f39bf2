// migrate's entry point.
#include "migrate/cli/run.hpp"

int main(int argc, char** argv) { return migrate::cli::run(argc, argv); }
