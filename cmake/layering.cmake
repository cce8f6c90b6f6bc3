# The mechanism behind cmake/layers.cmake (read that file for the rules themselves).
#
# mdbop_build_layers() creates, at configure time, build/layers/<layer>/ holding one symlink
# per folder the layer may include (build/layers/controller/api -> src/api, ...), or, for a
# folder with withheld headers or when only some headers are granted, a real directory of
# per-header symlinks. Library mdbop_<layer> is built from src/<layer>/**.cc with only that
# directory as (PRIVATE) include path; it links the layers it may include. mdbop_core is an
# INTERFACE library aggregating every layer, with src/ itself as include path, for the
# executable, the tests, the benchmarks and the fuzzer, which may include anything.

set(MDBOP_LAYER_SOURCE_DIR ${CMAKE_SOURCE_DIR}/src)
set(MDBOP_LAYER_LINK_DIR ${CMAKE_BINARY_DIR}/layers)

function(mdbop_withheld_header path)
  set_property(GLOBAL APPEND PROPERTY MDBOP_WITHHELD_HEADERS ${path})
endfunction()

# mdbop_layer(<layer> [<folder or header it may include>...]): itself and util are implied.
function(mdbop_layer layer)
  set_property(GLOBAL APPEND PROPERTY MDBOP_LAYERS ${layer})
  set_property(GLOBAL PROPERTY MDBOP_LAYER_${layer}_GRANTS ${layer} util ${ARGN})
endfunction()

# Links src/<path> (a header) as <dir>/<path>, making the real directories in between.
function(_mdbop_link_header dir path)
  get_filename_component(parent ${dir}/${path} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${MDBOP_LAYER_SOURCE_DIR}/${path} ${dir}/${path} SYMBOLIC)
endfunction()

# The top folder of a path ("runtime" for runtime/local/local_runtime.h).
function(_mdbop_top_folder path out)
  string(REGEX REPLACE "/.*" "" top ${path})
  set(${out} ${top} PARENT_SCOPE)
endfunction()

function(_mdbop_layer_include_dir layer)
  set(dir ${MDBOP_LAYER_LINK_DIR}/${layer})
  get_property(grants GLOBAL PROPERTY MDBOP_LAYER_${layer}_GRANTS)
  get_property(withheld GLOBAL PROPERTY MDBOP_WITHHELD_HEADERS)
  # Folders first: a whole folder is one symlink unless it holds withheld headers (and is not
  # the layer's own), then it is a directory of all its other headers.
  set(whole_folders "")
  foreach(grant IN LISTS grants)
    if(grant MATCHES "/")
      continue()
    endif()
    set(held "")
    foreach(header IN LISTS withheld)
      _mdbop_top_folder(${header} top)
      if(top STREQUAL grant AND NOT grant STREQUAL layer)
        list(APPEND held ${header})
      endif()
    endforeach()
    if(held)
      file(GLOB_RECURSE headers CONFIGURE_DEPENDS RELATIVE ${MDBOP_LAYER_SOURCE_DIR}
           ${MDBOP_LAYER_SOURCE_DIR}/${grant}/*.h)
      list(REMOVE_ITEM headers ${held})
      foreach(header IN LISTS headers)
        _mdbop_link_header(${dir} ${header})
      endforeach()
    else()
      file(CREATE_LINK ${MDBOP_LAYER_SOURCE_DIR}/${grant} ${dir}/${grant} SYMBOLIC)
      list(APPEND whole_folders ${grant})
    endif()
  endforeach()
  # Then single headers, unless their folder is linked whole already (never write through a
  # folder symlink: that would be writing into src/).
  foreach(grant IN LISTS grants)
    if(NOT grant MATCHES "/")
      continue()
    endif()
    _mdbop_top_folder(${grant} top)
    if(NOT top IN_LIST whole_folders AND NOT IS_SYMLINK ${dir}/${grant})
      _mdbop_link_header(${dir} ${grant})
    endif()
  endforeach()
endfunction()

function(mdbop_build_layers)
  get_property(layers GLOBAL PROPERTY MDBOP_LAYERS)
  # Every folder of src/ must be a layer: nothing is built outside the table.
  file(GLOB entries LIST_DIRECTORIES true RELATIVE ${MDBOP_LAYER_SOURCE_DIR}
       ${MDBOP_LAYER_SOURCE_DIR}/*)
  foreach(entry IN LISTS entries)
    if(IS_DIRECTORY ${MDBOP_LAYER_SOURCE_DIR}/${entry} AND NOT entry IN_LIST layers)
      message(FATAL_ERROR "src/${entry}/ is not a layer: add it to cmake/layers.cmake")
    endif()
  endforeach()

  file(REMOVE_RECURSE ${MDBOP_LAYER_LINK_DIR})  # removes links, never what they point to
  set(wiring "")
  foreach(source IN LISTS MDBOP_WIRING_SOURCES)
    list(APPEND wiring ${MDBOP_LAYER_SOURCE_DIR}/${source})
  endforeach()

  add_library(mdbop_core INTERFACE)
  target_include_directories(mdbop_core INTERFACE ${MDBOP_LAYER_SOURCE_DIR})
  foreach(layer IN LISTS layers)
    file(MAKE_DIRECTORY ${MDBOP_LAYER_LINK_DIR}/${layer})
    _mdbop_layer_include_dir(${layer})
    file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${MDBOP_LAYER_SOURCE_DIR}/${layer}/*.cc)
    if(sources)
      add_library(mdbop_${layer} STATIC ${sources})
      target_include_directories(mdbop_${layer} PRIVATE ${MDBOP_LAYER_LINK_DIR}/${layer})
      target_link_libraries(mdbop_${layer} PUBLIC mdbop_third_party)
      foreach(source IN LISTS sources)
        if(source IN_LIST wiring)
          set_source_files_properties(${source} TARGET_DIRECTORY mdbop_${layer}
                                      PROPERTIES INCLUDE_DIRECTORIES ${MDBOP_LAYER_SOURCE_DIR})
          set_property(GLOBAL APPEND PROPERTY MDBOP_WIRING_LAYERS ${layer})
        endif()
      endforeach()
    else()
      add_library(mdbop_${layer} INTERFACE)  # no sources (yet)
    endif()
    target_link_libraries(mdbop_core INTERFACE mdbop_${layer})
  endforeach()

  # Link what each layer may include, once every target exists.
  foreach(layer IN LISTS layers)
    get_property(grants GLOBAL PROPERTY MDBOP_LAYER_${layer}_GRANTS)
    set(deps "")
    foreach(grant IN LISTS grants)
      _mdbop_top_folder(${grant} top)
      if(NOT top STREQUAL layer AND top IN_LIST layers)
        list(APPEND deps mdbop_${top})
      endif()
    endforeach()
    # A layer holding wiring sources links every layer, as they may use anything.
    get_property(wiring_layers GLOBAL PROPERTY MDBOP_WIRING_LAYERS)
    if(layer IN_LIST wiring_layers)
      foreach(other IN LISTS layers)
        if(NOT other STREQUAL layer)
          list(APPEND deps mdbop_${other})
        endif()
      endforeach()
    endif()
    list(REMOVE_DUPLICATES deps)
    get_target_property(type mdbop_${layer} TYPE)
    if(type STREQUAL "INTERFACE_LIBRARY")
      target_link_libraries(mdbop_${layer} INTERFACE ${deps})
    else()
      target_link_libraries(mdbop_${layer} PRIVATE ${deps})
    endif()
  endforeach()
endfunction()
