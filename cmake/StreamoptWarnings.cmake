# Warnings for project code only (never for third-party headers).
add_library(streamopt_warnings INTERFACE)
target_compile_options(streamopt_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>
  $<$<AND:$<BOOL:${STREAMOPT_WERROR}>,$<CXX_COMPILER_ID:GNU,Clang>>:-Werror>)
