# The manifest fuzzer target, added to the project's own build by scripts/fuzz.sh through
# -DCMAKE_PROJECT_INCLUDE, in a build dir of its own configured with clang++, MDBOP_SANITIZE
# and -fsanitize=fuzzer-no-link. It links only mdbop_api (and what api links: schedule, util),
# defined later by the project and linked by name, so that build compiles just those layers.
add_executable(manifest_fuzzer ${CMAKE_CURRENT_LIST_DIR}/manifest_fuzzer.cc)
target_link_libraries(manifest_fuzzer PRIVATE mdbop_api)
target_include_directories(manifest_fuzzer PRIVATE ${CMAKE_CURRENT_LIST_DIR}/../src)
# Defined before the project sets its standard and sanitizer link options, so it asks for them.
target_compile_features(manifest_fuzzer PRIVATE cxx_std_20)
target_link_options(manifest_fuzzer PRIVATE -fsanitize=fuzzer,address,undefined)
