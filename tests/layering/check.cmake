# Checks the layering the compiler enforces: compiled with the include directories a consuming
# library's own sources get (INCLUDES, '|'-separated), each header another module keeps private
# must fail to compile because it cannot be found, and each public header must compile.
#
#   cmake -DCXX=c++ -DINCLUDES="a|b" -DCONSUMER=projections -DWORK=build/layering -P check.cmake

if(CONSUMER STREQUAL "projections")
  # The chain record, the tree's and the facts' storage: the ledger's own.
  set(must_fail ledger/record.h ledger/tree_store.h ledger/fact_store.h ledger/ledger_store.h
                ledger/ledger_writer.h ledger/storage_health.h ledger/rule_types.h)
  set(must_pass ledger/ledger.h base/civil_time.h)
elseif(CONSUMER STREQUAL "codec")
  # The codec sits beside the ledger, on base alone.
  set(must_fail ledger/ledger.h ledger/validate.h)
  set(must_pass codec/event_json.h base/utf8.h)
elseif(CONSUMER STREQUAL "http")
  # The view store's keys, a view's internals, the engine's waiters: the projections' own; the
  # codec's parser, checker and tables: the codec's own.
  set(must_fail projections/view_store.h projections/views/counts.h projections/applied_waiters.h
                projections/view_snapshots.h projections/reports/star_figures.h
                projections/as_of_builder.h
                ledger/record.h codec/bundle.h codec/event_checker.h codec/json_parser.h)
  set(must_pass projections/engine.h http/api.h)
else()
  message(FATAL_ERROR "no layering rules for '${CONSUMER}'")
endif()

string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(flags -std=c++20 -fsyntax-only)
foreach(dir IN LISTS include_dirs)
  list(APPEND flags "-I${dir}")
endforeach()
file(MAKE_DIRECTORY "${WORK}")

# Compiles a one-line file including `header`; sets `rc` and `out` in the caller.
function(compile header)
  string(MAKE_C_IDENTIFIER "${CONSUMER}_${header}" name)
  set(source "${WORK}/${name}.cc")
  file(WRITE "${source}" "#include \"${header}\"\n")
  execute_process(COMMAND ${CXX} ${flags} "${source}" RESULT_VARIABLE result
                  OUTPUT_VARIABLE output ERROR_VARIABLE output)
  set(rc "${result}" PARENT_SCOPE)
  set(out "${output}" PARENT_SCOPE)
endfunction()

set(failures "")
foreach(header IN LISTS must_pass)
  compile(${header})
  if(NOT rc EQUAL 0)
    string(APPEND failures "public ${header} does not compile from ${CONSUMER}:\n${out}\n")
  else()
    message(STATUS "${CONSUMER}: public ${header} compiles")
  endif()
endforeach()
foreach(header IN LISTS must_fail)
  compile(${header})
  string(REGEX REPLACE "([.+])" "\\\\\\1" pattern "${header}")
  if(rc EQUAL 0)
    string(APPEND failures "private ${header} compiles from ${CONSUMER}: it is reachable\n")
  elseif(NOT out MATCHES "${pattern}'?:? (No such file or directory|file not found)")
    string(APPEND failures "private ${header} fails from ${CONSUMER}, but not as missing:\n${out}\n")
  else()
    message(STATUS "${CONSUMER}: private ${header} is not found, as it must be")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures}")
endif()
