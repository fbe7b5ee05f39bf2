# Proves that check_layering.cmake fails on a forbidden include: copies the layer list
# and two real files into WORK_DIR, adds `#include "migrate/db/driver.hpp"` to a plan/
# file (plan/ is pure and may not use the drivers), and expects the check to fail naming
# that file; the unmodified copy must pass.
#
#   cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<scratch> -P tests/layering/selftest.cmake
cmake_minimum_required(VERSION 3.18)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/cmake ${WORK_DIR}/src/plan ${WORK_DIR}/src/db)
file(COPY ${SOURCE_DIR}/cmake/Layers.cmake DESTINATION ${WORK_DIR}/cmake)
file(COPY ${SOURCE_DIR}/src/plan/plan.cpp DESTINATION ${WORK_DIR}/src/plan)
set(check ${CMAKE_COMMAND} -DSOURCE_DIR=${WORK_DIR} -P ${CMAKE_CURRENT_LIST_DIR}/check_layering.cmake)

execute_process(COMMAND ${check} RESULT_VARIABLE clean_rc OUTPUT_VARIABLE clean_out ERROR_VARIABLE clean_out)
if(NOT clean_rc EQUAL 0)
  message(FATAL_ERROR "the check failed on an unmodified copy:\n${clean_out}")
endif()

file(READ ${WORK_DIR}/src/plan/plan.cpp text)
file(WRITE ${WORK_DIR}/src/plan/plan.cpp "#include \"migrate/db/driver.hpp\"\n${text}")
execute_process(COMMAND ${check} RESULT_VARIABLE bad_rc OUTPUT_VARIABLE bad_out ERROR_VARIABLE bad_out)
if(bad_rc EQUAL 0)
  message(FATAL_ERROR "the check passed a plan/ file that includes migrate/db/driver.hpp:\n${bad_out}")
endif()
if(NOT bad_out MATCHES "src/plan/plan.cpp:1: #include \"migrate/db/driver.hpp\": layer 'plan' may not use layer 'db'")
  message(FATAL_ERROR "the check failed without naming the file, line and arrow:\n${bad_out}")
endif()
message("layering self-test: the forbidden include was reported:\n${bad_out}")
