# Preprocesses <ember/ember.hpp> and fails if a heavy dependency's header got in.
execute_process(COMMAND ${CXX} -std=c++17 -I${SOURCE_DIR}/include -E -x c++ -
                INPUT_FILE ${SOURCE_DIR}/tests/header_check_input.cpp
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "preprocessing ember.hpp failed")
endif()
foreach(bad xtensor xsimd cblas openblas fmt/)
  string(FIND "${out}" "/${bad}" pos)
  if(NOT pos EQUAL -1)
    message(FATAL_ERROR "<ember/ember.hpp> pulls in a '${bad}' header")
  endif()
endforeach()
