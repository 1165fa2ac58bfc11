# The accelerator as a user C module for cmake-based ports (esp32, rp2):
# pass USER_C_MODULES=<this file> to the port's make.
add_library(usermod_buffa_accel INTERFACE)
target_sources(usermod_buffa_accel INTERFACE ${CMAKE_CURRENT_LIST_DIR}/buffa_accel.c ${CMAKE_CURRENT_LIST_DIR}/table_decode.c ${CMAKE_CURRENT_LIST_DIR}/table_encode.c)
target_include_directories(usermod_buffa_accel INTERFACE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(usermod INTERFACE usermod_buffa_accel)
