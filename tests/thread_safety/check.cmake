# Shows that Clang's thread-safety analysis holds the project's locks to their annotations
# (base/mutex.h): each file here that breaks a rule must fail to compile with the analysis'
# message, and the one that keeps them must compile. The same flags build every file of the clang
# build that `bash tools/test.sh` makes, so a real breach fails that build the same way.
#
#   cmake -DCLANGXX=clang++ -DBASE_INCLUDE=base/include -DHERE=tests/thread_safety -P check.cmake

find_program(clang NAMES ${CLANGXX} clang++ clang++-14)
if(NOT clang)
  message(FATAL_ERROR "clang++ not found: bash tools/bootstrap.sh clang installs it")
endif()
set(flags -std=c++20 -fsyntax-only -Wthread-safety -Werror=thread-safety "-I${BASE_INCLUDE}")

function(compile file)
  execute_process(COMMAND ${clang} ${flags} "${HERE}/${file}" RESULT_VARIABLE result
                  OUTPUT_VARIABLE output ERROR_VARIABLE output)
  set(rc "${result}" PARENT_SCOPE)
  set(out "${output}" PARENT_SCOPE)
endfunction()

set(failures "")
compile(locked.cc)
if(NOT rc EQUAL 0)
  string(APPEND failures "locked.cc keeps every rule but does not compile:\n${out}\n")
endif()
foreach(case "reads_unguarded.cc|reading variable 'value_' requires holding mutex 'mu_'"
             "calls_unlocked.cc|calling function 'AddLocked' requires holding mutex 'mu_'"
             "writes_under_reader_lock.cc|writing variable 'value_' requires holding shared mutex 'mu_' exclusively")
  string(REPLACE "|" ";" parts "${case}")
  list(GET parts 0 file)
  list(GET parts 1 expected)
  compile(${file})
  if(rc EQUAL 0)
    string(APPEND failures "${file} breaks a lock rule but compiled\n")
  elseif(NOT out MATCHES "${expected}")
    string(APPEND failures "${file} failed, but not with \"${expected}\":\n${out}\n")
  else()
    message(STATUS "${file}: refused (${expected})")
  endif()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures}")
endif()
