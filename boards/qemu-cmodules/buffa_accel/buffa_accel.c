// One source, in natmod/buffa_accel, compiled here so that its object goes
// into this firmware's own build directory: a path that leaves the user
// C modules' folder puts the object where every firmware build shares it
// (MicroPython's py/py.mk), and a micro:bit build then linked the MPS2's
// Thumb-2 object.
#include "../../../natmod/buffa_accel/buffa_accel.c"
