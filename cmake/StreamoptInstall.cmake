include(CMakePackageConfigHelpers)
set(STREAMOPT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/streamopt)

install(DIRECTORY include/streamopt DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(STREAMOPT_INSTALLED_LIBS streamopt_engine streamopt_sim streamopt_core streamopt_c streamopt_edge)
if(TARGET streamopt_codec)
  list(APPEND STREAMOPT_INSTALLED_LIBS streamopt_codec)
  set_target_properties(streamopt_codec PROPERTIES EXPORT_NAME codec)
  set(STREAMOPT_CONFIG_WITH_CODECS ON)  # streamoptConfig.cmake re-creates the pkg-config targets
else()
  set(STREAMOPT_CONFIG_WITH_CODECS OFF)
endif()
install(TARGETS ${STREAMOPT_INSTALLED_LIBS} EXPORT streamoptTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS streamopt_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT streamoptTargets NAMESPACE streamopt:: DESTINATION ${STREAMOPT_CMAKE_DIR})

configure_package_config_file(cmake/streamoptConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/streamoptConfig.cmake
  INSTALL_DESTINATION ${STREAMOPT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/streamoptConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/streamoptConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/streamoptConfigVersion.cmake
        DESTINATION ${STREAMOPT_CMAKE_DIR})

# The .pc file finds its prefix relative to itself, so installs relocate.
file(RELATIVE_PATH STREAMOPT_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
# streamopt: the C ABI (libstreamopt.so); streamopt-engine: the static
# decision engine a player embeds; streamopt-core: engine + simulator.
foreach(pc streamopt streamopt-engine streamopt-core)
  configure_file(cmake/${pc}.pc.in ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()
if(TARGET streamopt_codec)  # streamopt-codec: the static codec component
  configure_file(cmake/streamopt-codec.pc.in ${CMAKE_CURRENT_BINARY_DIR}/streamopt-codec.pc @ONLY)
  install(FILES ${CMAKE_CURRENT_BINARY_DIR}/streamopt-codec.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

# The shipped learned models, found by the engine at run time
# (lib/model/model_path.hpp: <prefix>/share/streamopt/models).
install(DIRECTORY models/ DESTINATION ${CMAKE_INSTALL_DATADIR}/streamopt/models
        FILES_MATCHING PATTERN "*.sopt" PATTERN "README.md")
