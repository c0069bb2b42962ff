# What `cmake --install` puts where (GNUInstallDirs), and the Debian package
# that CPack makes of it (`cpack -G DEB`). The layout under a PREFIX:
#   bin/wsfault, bin/lws-echo
#   share/wsfault/scenarios/     the shipped suite: `wsfault run` without a path
#   share/wsfault/targets/       lws-echo.target (its ${bindir} is bin/)
#   share/doc/wsfault/           README.md and docs/*.md
#   share/man/man1, man5         the man pages of docs/man/, gzipped
#   share/bash-completion/completions/wsfault
include(GNUInstallDirs)

# wsfault finds the suite from its own folder, at run time, so a prefix can
# be moved: the path from BINDIR to the installed scenarios, relative.
set(WSF_SUITE_DIR ${CMAKE_INSTALL_DATADIR}/wsfault/scenarios)
file(RELATIVE_PATH WSF_SUITE_FROM_BINDIR /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${WSF_SUITE_DIR})
target_compile_definitions(wsfault PRIVATE WSF_SUITE_FROM_BINDIR="${WSF_SUITE_FROM_BINDIR}")
# The build folder has the same shape: build/bin/wsfault finds the source
# tree's scenarios/ through a link where an installed one finds its copy.
get_filename_component(suite_link ${CMAKE_BINARY_DIR}/bin/${WSF_SUITE_FROM_BINDIR} ABSOLUTE)
string(FIND "${suite_link}" "${CMAKE_BINARY_DIR}/" inside)
if(inside EQUAL 0 AND (IS_SYMLINK ${suite_link} OR NOT EXISTS ${suite_link}))
  get_filename_component(suite_parent ${suite_link} DIRECTORY)
  file(MAKE_DIRECTORY ${suite_parent})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/scenarios ${suite_link} SYMBOLIC)
endif()

install(TARGETS wsfault lws-echo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY scenarios/ DESTINATION ${WSF_SUITE_DIR} FILES_MATCHING PATTERN "*.wsf")
# Only the reference server's target file: the zoo's and the real servers'
# name servers (Python, Node.js, the ones of ci/real-servers.sh) that are
# not installed.
install(FILES targets/lws-echo.target DESTINATION ${CMAKE_INSTALL_DATADIR}/wsfault/targets)
# README.md beside docs/, as in the source tree, so that their links hold.
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB doc_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${doc_pages} DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs)

# Man pages, gzipped (-n: no name or time stamp, the same bytes each build)
# as Debian's policy wants them and man reads them anywhere.
file(GLOB man_pages CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/man/*.1
     ${PROJECT_SOURCE_DIR}/docs/man/*.5)
set(man_gz)
foreach(page ${man_pages})
  get_filename_component(name ${page} NAME)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${name})
  set(gz ${CMAKE_BINARY_DIR}/man/${name}.gz)
  add_custom_command(OUTPUT ${gz}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND gzip -9n -c ${page} > ${gz}
    DEPENDS ${page} VERBATIM)
  list(APPEND man_gz ${gz})
  install(FILES ${gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man-pages ALL DEPENDS ${man_gz})

set(completion ${PROJECT_SOURCE_DIR}/tools/completion/wsfault.bash)
if(EXISTS ${completion})
  install(FILES ${completion} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
          RENAME wsfault)
endif()

# The Debian package: wsfault_VERSION_ARCH.deb, installed under /usr, its
# Depends computed from the libraries the two programs link (dpkg-shlibdeps:
# libjansson, libpcap, libssl, libwebsockets ...). wsfault runs nothing at
# run time but the target's command, so nothing more is needed.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wsfault)
set(CPACK_PACKAGE_VENDOR wsfault)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "fault injection for WebSocket close handling")
# (The summary line is CPACK_PACKAGE_DESCRIPTION_SUMMARY.)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "wsfault connects to a WebSocket server and ends connections badly, on
purpose and at exact protocol moments: TCP resets, half-closes, stalls in
the middle of a frame, malformed Close frames. Scenario files say what to
do and what the server must do in return; wsfault runs them, judges them
and records a timeline, a packet capture and an HTML report. The shipped
suite and a reference server (lws-echo) come with it.")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "wsfault maintainers <wsfault@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # wsfault_0.1.0_amd64.deb
set(CPACK_STRIP_FILES ON)
include(CPack)
