# buffa for MicroPython: build and test entry points.
#
#   make demo                     the telemetry device and collector (docs/demo.md; DEMO_ARGS=--run-on)
#   make test                     every runtime (sets up the machine first)
#   make test-cpython             one runtime each
#   make test-unix                MicroPython unix port, default and small heap
#   make test-qemu BOARD=QEMU_MICROBIT   one QEMU board, library frozen and from .mpy
#   make conformance              Google's conformance suite: CPython, the unix port (also via views), CircuitPython
#   make conformance BOARD=QEMU_MPS2_AN385   the same on a QEMU board (or QEMU_MICROBIT)
#   make bench                    buffa against other libraries (bench/README.md); bench-frozen, bench-connect, bench-views
#   make test-circuitpython       CircuitPython unix port, default and small heap
#   make firmware BOARD=...       QEMU_MICROBIT QEMU_MPS2_AN385 ESP32_GENERIC RPI_PICO_W
#   make mpy ARCH=...             armv6m armv7m xtensawin rv32imc x64 (or all, or portable)
#   make natmod ARCH=...          the C accelerator as a native module: x64 armv6m armv7m armv7emsp
#                                 (make mpy ARCH=... ACCEL=1 puts it beside the .mpy files)
#   make sanitize                 the accelerator's C under ASan/UBSan (SANITIZE_ARGS=--unix: in the unix port too)
#   make deploy PORT=/dev/ttyACM0 [APP=main.py] [ARCH=armv6m]   (ARCH: default the board's)
#   make setup                    Debian and PyPI packages only (tools/bootstrap.sh)
#   make clean                    remove build/ (distclean: .venv and deps/ too)
#   make fuzz [FUZZ_SECONDS=600]  fuzz every target on CPython and the unix port
#
# Variables: MICROPY_DIR (a MicroPython source tree instead of the fetched
# v1.25.0), CIRCUITPY_DIR (a CircuitPython checkout instead of ../shared's kit),
# PYTEST_ARGS (extra pytest arguments, e.g. -k wire or -x).

SHELL := /bin/bash
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV ?= $(ROOT)/.venv
PY := $(VENV)/bin/python
BUILD ?= $(ROOT)/build
export BUFFA_BUILD := $(BUILD)
BOARD ?= QEMU_MICROBIT
ARCH ?= armv6m
QEMU_BOARDS := QEMU_MICROBIT QEMU_MPS2_AN385
PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest host_tests -p no:cacheprovider -q -rfE $(PYTEST_ARGS)
CONFORMANCE_RUNNER ?= $(ROOT)/tools/conformance-runner
export CONFORMANCE_RUNNER

# QEMU board folder -> runtime names used by the test runner
RT_QEMU_MICROBIT := qemu-microbit,qemu-microbit-mpy,qemu-microbit-cmod
RT_QEMU_MPS2_AN385 := qemu-mps2,qemu-mps2-mpy,qemu-mps2-natmod

.PHONY: help setup apt venv test test-cpython test-unix test-qemu firmware qemu-firmware mpy natmod sanitize \
        deploy conformance clean distclean circuitpython test-circuitpython

# The comment block at the top of this file, up to its first blank line.
help:
	@sed -n '2,/^$$/p' $(ROOT)/Makefile | sed -n 's/^# \{0,1\}//p'

# -- machine setup ---------------------------------------------------------

setup: apt venv

apt:
	@$(ROOT)/tools/bootstrap.sh apt

venv:
	@$(ROOT)/tools/bootstrap.sh venv

# -- tests ------------------------------------------------------------------

# Everything: CPython, the unix port and CircuitPython (two heaps each), both
# QEMU boards with the library frozen and loaded from .mpy, and the C
# accelerator on the unix port and each board in both its forms. The groups
# run side by side (tools/testall.py); each ends with one summary line per
# runtime.
TEST_GROUPS ?= cpython unix,unix-small,circuitpython,circuitpython-small,qemu-microbit,qemu-microbit-mpy qemu-mps2,qemu-mps2-mpy,unix-accel qemu-mps2-natmod,qemu-microbit-cmod
test: setup qemu-firmware circuitpython
	$(PY) $(ROOT)/tools/testall.py $(TEST_GROUPS)

test-cpython: venv
	$(PYTEST) --runtime cpython

test-unix: venv
	$(PYTEST) --runtime unix,unix-small

test-circuitpython: circuitpython
	$(PYTEST) --runtime circuitpython,circuitpython-small

test-qemu: setup
	@$(ROOT)/tools/firmware.sh $(BOARD) >/dev/null
	$(PYTEST) --runtime $(or $(RT_$(BOARD)),$(error test-qemu: BOARD must be one of $(QEMU_BOARDS)))

# -- builds -----------------------------------------------------------------

# CircuitPython's unix port for the circuitpython runtimes (tools/circuitpython.sh);
# without the kit or CIRCUITPY_DIR those runtimes report skips.
circuitpython: venv
	@PYTHON=$(PY) $(ROOT)/tools/circuitpython.sh $(BUILD)/circuitpython

qemu-firmware: setup
	@for b in $(QEMU_BOARDS); do $(ROOT)/tools/firmware.sh $$b >/dev/null || exit 1; done

firmware: $(if $(filter QEMU_%,$(BOARD)),setup,venv)
	$(ROOT)/tools/firmware.sh $(BOARD)

mpy: venv
	$(PY) $(ROOT)/tools/mpybuild.py --arch $(ARCH) $(if $(filter 1,$(ACCEL)),--accel)

# The C accelerator (natmod/buffa_accel) as a native module for ARCH:
# build/natmod/ARCH/buffa_accel.mpy (README, "The C accelerator")
natmod: setup
	PATH=$(VENV)/bin:$$PATH $(ROOT)/tools/natmod.sh $(ARCH)

sanitize: setup
	PATH=$(VENV)/bin:$$PATH $(ROOT)/tools/sanitize.sh $(SANITIZE_ARGS)

# The native loops (buffa_viper) are built for the arch the board reports;
# ARCH only when given, for a board that does not report one.
deploy: venv
	$(if $(PORT),,$(error deploy: set PORT to the board's serial port, e.g. make deploy PORT=/dev/ttyACM0))
	$(PY) $(ROOT)/tools/deploy.py --port $(PORT) $(if $(filter command line environment,$(origin ARCH)),--arch $(ARCH)) $(if $(APP),--app $(APP))

# Protocol Buffers conformance (binary and JSON) under CPython and MicroPython;
# with BOARD=QEMU_MPS2_AN385 or QEMU_MICROBIT on the command line, on that
# board (library frozen; its failure list: docs/conformance-boards.md).
CONF_TESTEE_QEMU_MPS2_AN385 := qemu-mps2
CONF_TESTEE_QEMU_MICROBIT := qemu-microbit
ifeq ($(origin BOARD),command line)
conformance: setup
	@$(ROOT)/tools/firmware.sh $(BOARD) >/dev/null
	TESTEES=$(or $(CONF_TESTEE_$(BOARD)),$(error conformance: BOARD must be one of $(QEMU_BOARDS))) \
	  $(ROOT)/host_tests/conformance/run.sh
else
conformance: venv circuitpython
	@if [ -x $(ROOT)/host_tests/conformance/run.sh ]; then \
	  $(ROOT)/host_tests/conformance/run.sh; \
	else echo "conformance: host_tests/conformance/run.sh not there yet"; exit 1; fi
endif

# Fuzzing (docs/fuzzing.md): every target on CPython (atheris) and in the
# MicroPython unix port (default heap and 256 KiB), FUZZ_SECONDS each, two
# at a time at the lowest priority. make test runs a short pass of the same.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: venv
	$(PY) $(ROOT)/tools/fuzz.py --seconds $(FUZZ_SECONDS) --nice

# Benchmarks (bench/README.md): buffa against minipb, Google protobuf and
# betterproto2; the Connect client against the official connectrpc client.
.PHONY: bench bench-connect bench-frozen bench-views
bench: venv
	@$(PY) -m pip install -q --disable-pip-version-check -r $(ROOT)/bench/requirements.txt
	$(PY) $(ROOT)/bench/run.py

bench-frozen: setup
	@$(PY) -m pip install -q --disable-pip-version-check -r $(ROOT)/bench/requirements.txt
	$(PY) $(ROOT)/bench/frozen_heap.py

bench-views: venv
	$(PY) $(ROOT)/bench/views_bench.py --save --instructions

bench-connect: venv
	@$(PY) -m pip install -q --disable-pip-version-check -r $(ROOT)/host_tests/connect/requirements.txt
	$(PY) $(ROOT)/bench/connect_bench.py

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(ROOT)/deps $(VENV)

# -- demo: the telemetry device and collector (docs/demo.md) ------------------
#   make demo                      collector + device on the unix port, with a server outage
#   make demo BOARD=QEMU_MICROBIT  the same app on the emulated board, through the serial bridge
#   make demo DEMO_ARGS=--run-on   keep going until Ctrl-C (tools/demo.py --help for more)
DEMO_BOARD := $(if $(filter command line environment,$(origin BOARD)),$(BOARD),unix)
DEMO_ARGS ?=

.PHONY: demo demo-deps
demo-deps: venv
	@stamp=$(VENV)/.buffa-demo-requirements; req=$(ROOT)/tools/collector/requirements.txt; \
	  cmp -s $$stamp $$req || { echo "demo: installing PyPI packages (tools/collector/requirements.txt)" >&2; \
	  $(PY) -m pip install -q --disable-pip-version-check -r $$req && cp $$req $$stamp; }

demo: demo-deps $(if $(filter QEMU_%,$(DEMO_BOARD)),setup)
	$(if $(filter QEMU_%,$(DEMO_BOARD)),@$(ROOT)/tools/firmware.sh $(DEMO_BOARD) >/dev/null)
	$(PY) $(ROOT)/tools/demo.py --board $(DEMO_BOARD) $(DEMO_ARGS)
