# SPDX-License-Identifier: MIT
# pop3 - portable POP3 client library. One Makefile for everything.
#
#   make            libpop3.a and the examples (build/)
#   make check      unit tests, the same under ASan+UBSan, pedantic and
#                   Cortex-M4 builds of the engine, integration tests against
#                   a private Dovecot
#   make demo       private Dovecot with sample mail, fetched by pop3get
#   make cross      engine for Cortex-M4 with arm-none-eabi-gcc, size report;
#                   with port/lwip against lwIP headers (port/lwip/lwip.mk)
#   make lwip-check lwIP tests over a tap device in a network namespace (root)
#   make install    PREFIX=/usr/local DESTDIR= LIBDIR=$(PREFIX)/lib; make uninstall
#   make clean

CC      ?= cc
AR      ?= ar
PREFIX  ?= /usr/local
DESTDIR ?=
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
B       := build
# The version lives in include/pop3.h only (POP3_VERSION_*).
POP3_VER_ = $(shell sed -n 's/^\#define POP3_VERSION_$(1) *\([0-9][0-9]*\).*/\1/p' include/pop3.h)
VERSION_MAJOR := $(call POP3_VER_,MAJOR)
VERSION       := $(VERSION_MAJOR).$(call POP3_VER_,MINOR).$(call POP3_VER_,PATCH)

WARN    := -Wall -Wextra -Werror
CSTD    := -std=c99
CFLAGS  ?= -O2 -g
# TLS (src/transport/pop3_transport_tls.c, port/posix/pop3_tls_posix.c) is
# always in the host build; the firmware build (make cross) is MD5-only
# unless TLS=1.
TLS     ?= 0
# MBEDTLS_CFLAGS: another Mbed TLS than the host's libmbedtls-dev (2.28 on
# Debian 12); tests/mbedtls36.mk builds and tests against 3.6 with it.
MBEDTLS_CFLAGS ?=
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) $(MBEDTLS_CFLAGS) -Iinclude -Iinclude/netx -Isrc/md5 -Isrc/core -DPOP3_TLS=1
LDLIBS  := -lmbedtls -lmbedx509 -lmbedcrypto

ENGINE_SRC := $(wildcard src/core/*.c src/transport/*.c src/md5/*.c)
POSIX_SRC  := $(wildcard port/posix/*.c)
# NetX Duo POP3 Client API shim (include/netx/): blocking, over the engine,
# with its hook over the POSIX port; src/nx/nx_lwip.c, the hook over the
# lwIP port, is built with lwIP (examples/netx_app/netx_app.mk).
NX_CORE_SRC := src/nx/nx_pop3_client.c src/nx/nx_packet.c
NX_SRC     := $(NX_CORE_SRC) src/nx/nx_posix.c
LIB_SRC    := $(ENGINE_SRC) $(NX_SRC) $(POSIX_SRC)
LIB_OBJ    := $(LIB_SRC:%.c=$(B)/obj/%.o)
# libpop3.a and libpop3.so share these objects: position-independent, and
# only what the public headers declare is visible outside the library
# (they say so with #pragma GCC visibility).
LIB_CFLAGS := -fPIC -fvisibility=hidden
SO_NAME    := libpop3.so.$(VERSION_MAJOR)
SO_FILE    := libpop3.so.$(VERSION)
ASAN_OBJ   := $(LIB_SRC:%.c=$(B)/asan/%.o)
TEST_SRC   := $(wildcard tests/test_*.c)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(B)/tests/%)
ASAN_BIN   := $(TEST_SRC:tests/%.c=$(B)/asan-tests/%)
TEST_SUPPORT := $(wildcard tests/support/*.c)
EXAMPLES   := $(B)/pop3get $(B)/minimal $(B)/netx_app
SAN_FLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Keep the sanitizer objects between runs.
.SECONDARY: $(ASAN_OBJ)

.PHONY: all check unit asan pedantic cross integration install-check demo install uninstall symbols layout-check docs-check clean
.PHONY: pop3get-check man-check durability licence-check fuzz fuzz-build fuzz-check fuzz-coverage static hostile nothing-lost bench bench-smoke tls-check checkout-check tls36-check

all: $(B)/libpop3.a $(B)/libpop3.so $(EXAMPLES)

$(B)/obj/%.o: %.c $(wildcard include/*.h src/*/*.h port/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIB_CFLAGS) -c $< -o $@

$(B)/asan/%.o: %.c $(wildcard include/*.h src/*/*.h port/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c $< -o $@

$(B)/libpop3.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/$(SO_FILE): $(LIB_OBJ)
	$(CC) $(CFLAGS) -shared -Wl,-soname,$(SO_NAME) -Wl,--no-undefined -o $@ $^ $(LDLIBS)
$(B)/libpop3.so: $(B)/$(SO_FILE)
	ln -sf $(SO_FILE) $(B)/$(SO_NAME)
	ln -sf $(SO_NAME) $@

# pop3get: examples/pop3get/, one job per file (pop3get.c says which).
PG_SRC := $(wildcard examples/pop3get/pg_*.c)
PG_DEP := examples/pop3get/pop3get.c $(PG_SRC) $(wildcard examples/pop3get/*.h)
$(B)/pop3get: $(PG_DEP) $(B)/libpop3.a
	$(CC) $(ALL_CFLAGS) -Iport/posix -Iexamples/pop3get examples/pop3get/pop3get.c $(PG_SRC) \
	  -o $@ $(B)/libpop3.a $(LDLIBS)

$(B)/minimal: examples/posix/minimal.c $(B)/libpop3.a
	$(CC) $(ALL_CFLAGS) $< -o $@ $(B)/libpop3.a $(LDLIBS)

# A NetX Duo POP3 application built against the shim's NetX headers only.
$(B)/netx_app: examples/netx_app/netx_app.c $(B)/libpop3.a
	$(CC) -std=c99 $(WARN) $(CFLAGS) -Iinclude/netx $< -o $@ $(B)/libpop3.a $(LDLIBS)

$(B)/tests/%: tests/%.c $(TEST_SUPPORT) $(B)/libpop3.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -Isrc/nx $< $(TEST_SUPPORT) -o $@ $(B)/libpop3.a -lcmocka $(LDLIBS)

$(B)/asan-tests/%: tests/%.c $(TEST_SUPPORT) $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Itests -Isrc/nx $< $(TEST_SUPPORT) $(ASAN_OBJ) -o $@ -lcmocka $(LDLIBS)

# The engine alone built with POP3_LEAN=1 (pop3_config_defaults.h), without
# src/md5 and without Mbed TLS: the lean build must link and work without MD5.
LEAN_SRC := $(wildcard src/core/*.c) src/transport/pop3_transport_mem.c
LEAN_TEST_DEP := tests/lean/test_lean.c $(TEST_SUPPORT) $(LEAN_SRC) $(wildcard include/*.h src/core/*.h)
LEAN_TEST_CC = $(CC) $(CSTD) $(WARN) $(CFLAGS) -DPOP3_LEAN=1 -Iinclude -Isrc/core -Isrc/md5 -Itests \
               tests/lean/test_lean.c $(TEST_SUPPORT) $(LEAN_SRC) -lcmocka
$(B)/tests/test_lean: $(LEAN_TEST_DEP)
	@mkdir -p $(dir $@)
	$(LEAN_TEST_CC) -o $@
$(B)/asan-tests/test_lean: $(LEAN_TEST_DEP)
	@mkdir -p $(dir $@)
	$(LEAN_TEST_CC) $(SAN_FLAGS) -o $@
TEST_BIN += $(B)/tests/test_lean
ASAN_BIN += $(B)/asan-tests/test_lean

# pop3get's modules, one CMocka binary each (tests/pop3get/).
PG_TEST_SRC := $(wildcard tests/pop3get/test_pg_*.c)
$(B)/tests/pop3get/%: tests/pop3get/%.c $(PG_DEP) $(B)/libpop3.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iport/posix -Iexamples/pop3get -Itests $< $(PG_SRC) -o $@ \
	  $(B)/libpop3.a -lcmocka $(LDLIBS)
$(B)/asan-tests/pop3get/%: tests/pop3get/%.c $(PG_DEP) $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Iport/posix -Iexamples/pop3get -Itests $< $(PG_SRC) \
	  -o $@ $(ASAN_OBJ) -lcmocka $(LDLIBS)
TEST_BIN += $(PG_TEST_SRC:tests/pop3get/%.c=$(B)/tests/pop3get/%)
ASAN_BIN += $(PG_TEST_SRC:tests/pop3get/%.c=$(B)/asan-tests/pop3get/%)

# Every binary runs even when one fails; the target fails at the end.
unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do echo "== $$t"; $$t || fail=1; done; exit $$fail

asan: $(ASAN_BIN)
	@fail=0; for t in $(ASAN_BIN); do echo "== $$t (asan+ubsan)"; \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 $$t || fail=1; done; exit $$fail

# The engine is plain C99: no extensions, no OS headers.
# Every feature knob left out alone, and the lean build with each put back
# (pop3_config_defaults.h): each must compile warning-free.
KNOBS := POP3_SASL POP3_STLS POP3_APOP POP3_CAPA POP3_UIDL_TOP POP3_RESP_CODES
KNOB_BUILDS := $(foreach k,$(KNOBS),-D$(k)=0 -DPOP3_LEAN=1,-D$(k)=1) -DPOP3_LEAN=1
pedantic:
	@mkdir -p $(B)/pedantic
	@set -e; for f in $(ENGINE_SRC) $(NX_CORE_SRC); do \
	  echo "  pedantic $$f"; \
	  $(CC) -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
	    -DPOP3_TLS=1 -Iinclude -Iinclude/netx -Isrc/md5 -Isrc/core -c $$f -o $(B)/pedantic/$$(basename $$f .c).o; done
	@set -e; for k in $(KNOB_BUILDS); do \
	  echo "  pedantic src/core with $$k" | tr , ' '; \
	  for f in $(wildcard src/core/*.c); do \
	    $(CC) -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion -O2 \
	      $$(echo "$$k" | tr , ' ') -Iinclude -Isrc/md5 -Isrc/core -c $$f -o /dev/null; done; done

# Cortex-M4, -Os. Mbed TLS headers come from the host's libmbedtls-dev.
CROSS_CC    ?= arm-none-eabi-gcc
CROSS_SIZE  ?= arm-none-eabi-size
CROSS_FLAGS := $(if $(filter 1,$(TLS)),-DPOP3_TLS=1) $(if $(filter 0,$(SASL)),-DPOP3_SASL=0) \
               -std=c99 -pedantic -Wall -Wextra -Werror -Os -mcpu=cortex-m4 -mthumb \
               -ffunction-sections -fdata-sections -Iinclude -Isrc/md5 -Isrc/core \
               -DMBEDTLS_USER_CONFIG_FILE='"$(CURDIR)/$(B)/cross/board_mbedtls.h"'
cross:
	@command -v $(CROSS_CC) >/dev/null || { echo "cross: $(CROSS_CC) not found (run scripts/deps.sh)"; exit 1; }
	@mkdir -p $(B)/cross/inc
	@test -d /usr/include/mbedtls || { echo "cross: Mbed TLS headers missing (run scripts/deps.sh)"; exit 1; }
	@rm -rf $(B)/cross/inc/mbedtls && cp -r /usr/include/mbedtls $(B)/cross/inc/
	@printf '#undef MBEDTLS_THREADING_C\n#undef MBEDTLS_THREADING_PTHREAD\n' \
	  > $(B)/cross/board_mbedtls.h # the host's Mbed TLS config, minus pthreads
	@set -e; for f in $(ENGINE_SRC); do \
	  $(CROSS_CC) $(CROSS_FLAGS) -isystem $(B)/cross/inc -c $$f -o $(B)/cross/$$(basename $$f .c).o; done
	@$(CROSS_SIZE) -t $(B)/cross/*.o
	@mkdir -p $(B)/cross/tls && $(CROSS_CC) $(CROSS_FLAGS) -DPOP3_TLS=1 -isystem $(B)/cross/inc \
	  -c src/transport/pop3_transport_tls.c -o $(B)/cross/tls/pop3_transport_tls.o
	@echo "TLS decorator (make cross TLS=1 adds it; Mbed TLS ssl/x509 not counted):" && \
	  $(CROSS_SIZE) $(B)/cross/tls/pop3_transport_tls.o | tail -1
	@$(MAKE) --no-print-directory cross-lwip

# POP3S, STLS and SASL against a private Dovecot with a test CA made by
# openssl, plus man-in-the-middle and OAuth servers (tests/integration/tls.sh).
tls-check: all
	bash tests/integration/tls.sh

# run.sh twice: the plain pop3get (with a valgrind run) and the ASan+UBSan
# one (every run's stderr scanned for sanitizer reports).
integration: all $(B)/asan/pop3get
	bash tests/integration/run.sh
	POP3GET="$(CURDIR)/$(B)/asan/pop3get" NO_VALGRIND=1 bash tests/integration/run.sh
	bash tests/integration/netx_app.sh

# libFuzzer targets under ASan+UBSan (tests/fuzz/, clang + libclang-rt-14-dev).
# make fuzz FUZZ_SECONDS=N runs each target N seconds; make check runs each
# FUZZ_CHECK_SECONDS. FUZZ_EXTRA_<name>: sources a target needs beyond the engine.
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_CHECK_SECONDS ?= 30
FUZZ_FLAGS := -std=c99 $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DPOP3_TLS=1
FUZZ_BIN   := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_EXTRA_pop3get_args := -Iexamples/pop3get examples/pop3get/pg_options.c examples/pop3get/pg_util.c
FUZZ_EXTRA_pop3get_config := $(FUZZ_EXTRA_pop3get_args) examples/pop3get/pg_config.c
FUZZ_EXTRA_nx := $(NX_CORE_SRC)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRC) $(PG_DEP) $(wildcard include/*.h src/*/*.h port/*/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Iinclude -Iinclude/netx -Isrc/nx -Isrc/md5 -Isrc/core -Iport/posix $< $(ENGINE_SRC) $(FUZZ_EXTRA_$*) -o $@ $(LDLIBS)

# The whole-engine target once more, built with POP3_LEAN=1 and no MD5; it
# starts from the seeds of fuzz_client (tests/fuzz/run.sh).
$(B)/fuzz/fuzz_client_lean: tests/fuzz/fuzz_client.c $(LEAN_SRC) $(wildcard include/*.h src/core/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -DPOP3_TLS=1,$(FUZZ_FLAGS)) -DPOP3_LEAN=1 -Iinclude -Isrc/md5 -Isrc/core \
	  $< $(LEAN_SRC) -o $@
FUZZ_BIN += $(B)/fuzz/fuzz_client_lean

fuzz-build: $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	bash tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)
fuzz-check: $(FUZZ_BIN)
	bash tests/fuzz/run.sh $(FUZZ_CHECK_SECONDS) $(FUZZ_BIN)
# Line and branch coverage of the checked-in corpora (llvm-cov).
fuzz-coverage:
	bash tests/fuzz/coverage.sh

# Benchmarks (bench/, BENCHMARKS.md). `make bench` installs the peers
# (bench/deps.sh), runs every part and writes bench/results/ and the table in
# BENCHMARKS.md; `make bench-smoke` (in make check) runs each part once on a
# tiny maildrop and fails only when a client's result is wrong.
BENCH_BIN := $(B)/wirelimit $(B)/bench-engine $(B)/bench-scale $(B)/bench-runrss
$(B)/wirelimit: bench/wirelimit.c
	$(CC) $(CSTD) $(WARN) $(CFLAGS) $< -o $@
# Static and small: a child's peak RSS includes the image it was forked from.
$(B)/bench-runrss: bench/runrss.c
	$(CC) $(CSTD) $(WARN) -O2 -static $< -o $@
$(B)/bench-engine: bench/engine.c $(B)/libpop3.a
	$(CC) $(ALL_CFLAGS) $< -o $@ $(B)/libpop3.a $(LDLIBS)
# A 4 KB receive buffer per session: the port's 64 KB default is for one
# fast session, not a thousand.
$(B)/bench-scale: bench/scale.c port/posix/pop3_posix.c $(B)/libpop3.a
	$(CC) $(ALL_CFLAGS) -Iport/posix -DPOP3_POSIX_RX_SIZE=4096 bench/scale.c \
	  port/posix/pop3_posix.c -o $@ $(B)/libpop3.a $(LDLIBS)
bench: all $(BENCH_BIN) lwip-src
	bash bench/deps.sh
	python3 bench/bench.py --out bench/results/latest.md --update-doc BENCHMARKS.md
	cp bench/results/latest.md bench/results/$$(date -u +%Y-%m-%d-%H%M).md
# The footprint part needs lwIP's headers and Mbed TLS's md5.c (fetched).
BENCH_MD5 := $(B)/mbedtls-src/2.28/library/md5.c
$(BENCH_MD5):
	bash scripts/mbedtls-src.sh 2.28 $(B)/mbedtls-src/2.28
bench-smoke: all $(BENCH_BIN) lwip-src $(BENCH_MD5)
	python3 bench/bench.py --smoke --out $(B)/bench/smoke.md

# Every source, header, script, makefile and test file starts with the
# SPDX-License-Identifier: MIT line (LICENSE).
licence-check:
	bash tests/static/spdx.sh

# cppcheck, clang-tidy (tests/static/clang-tidy.yaml) and the engine's
# worst stack frame (bound STACK_FRAME_MAX, default 512 octets).
static:
	bash tests/static/run.sh

# Hostile servers over TCP against pop3get (tests/hostile/hostile.py), and
# pop3get --delete against Dovecot killed or cut at many points: every
# message stays on the server or is stored, never neither.
hostile: all $(B)/asan/pop3get
	python3 tests/hostile/hostile.py $(B)/pop3get
	MAX_RSS_KB=0 python3 tests/hostile/hostile.py $(B)/asan/pop3get

$(B)/asan/pop3get: $(PG_DEP) $(ASAN_OBJ)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -Iport/posix -Iexamples/pop3get examples/pop3get/pop3get.c \
	  $(PG_SRC) $(ASAN_OBJ) -o $@ $(LDLIBS)
nothing-lost: all
	bash tests/hostile/nothing_lost.sh

# pop3get's manual page: groff -ww silent, every --help option documented.
man-check: $(B)/pop3get
	bash tests/static/man.sh $(B)/pop3get

# pop3get as a daily fetcher against Dovecot (tests/integration/pop3get.sh):
# only new mail, the account lock, SIGKILL/SIGINT then a rerun.
pop3get-check: all
	bash tests/integration/pop3get.sh

# The server-starting tests once more from a copy of the tree below a private
# (0700) directory at a path with a space (tests/integration/private_checkout.sh).
checkout-check: all $(BENCH_BIN)
	bash tests/integration/private_checkout.sh

# pop3get --delete --maildir under strace: every DELE leaves only after its
# message is fsync'd, renamed and its directory fsync'd; faults injected
# into write, fsync, rename and clone lose and duplicate nothing.
durability: all
	bash tests/durability/run.sh

.PHONY: coverage mutants
# Line coverage (gcc --coverage, build/cov) of unit, integration, hostile,
# durability and lwIP tests; per-file table and floors (tests/coverage/).
coverage: lwip-src
	bash tests/coverage/run.sh

# Named source mutations, one at a time in build/mutants/tree, each run
# against the tests meant to catch it; all must be killed (tests/mutants/).
mutants: lwip-src
	python3 tests/mutants/run.py

# Checks that cannot run here (a missing tool, no IPv6, not root) are
# skipped loudly: each appends a line to $(SKIP_LOG) (tests/support/skip.sh)
# and make check (which empties it when it starts) ends with the list; with
# CHECK_STRICT=1 (CI) a skip fails.
SKIP_LOG := $(CURDIR)/$(B)/skips.log
export POP3_SKIP_LOG := $(SKIP_LOG)
ifneq ($(filter check,$(MAKECMDGOALS)),)
$(shell mkdir -p $(B) && : > "$(SKIP_LOG)")
endif
check: licence-check all unit asan pedantic cross symbols layout-check docs-check install-check integration tls-check tls36-check lwip-check netx-lwip-check static fuzz-check hostile nothing-lost bench-smoke checkout-check
	@bash tests/support/skip.sh report
	@echo "make check: all passed"
check: durability coverage
# The superloop firmware in QEMU (examples/lwip_superloop/board/mps2_an386/board.mk).
check: qemu-check
check: pop3get-check man-check

# Install into a staging directory (with a multiarch LIBDIR), build the
# README's example and the NetX example from it through pkg-config only,
# shared and static, run them against a private Dovecot, then uninstall
# (tests/integration/install.sh).
install-check: all
	bash tests/integration/install.sh

# NetX only in include/netx and src/nx; no port or engine file refers to it.
layout-check:
	bash tests/static/layout.sh

# Every C block in README.md and docs/*.md compiles; README's example is
# examples/posix/minimal.c.
docs-check: $(B)/libpop3.a
	bash tests/static/docs.sh $(B)/libpop3.a

# The shared library exports the public headers' functions and nothing else.
symbols: $(B)/libpop3.so
	bash tests/static/symbols.sh $(B)/libpop3.so

demo: all
	bash scripts/demo.sh

# Headers go to INCLUDEDIR; the NetX-named ones apart, in INCLUDEDIR/pop3/netx,
# so they never shadow a real NetX installation.
PUBLIC_H := $(wildcard include/pop3*.h)
NETX_H   := $(wildcard include/netx/*.h)
PC_SUBST := sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
              -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g'
install: $(B)/libpop3.a $(B)/libpop3.so $(B)/pop3get
	install -d $(DESTDIR)$(INCLUDEDIR)/pop3/netx $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR)
	install -m 644 $(PUBLIC_H) $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(NETX_H) $(DESTDIR)$(INCLUDEDIR)/pop3/netx/
	install -m 644 $(B)/libpop3.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/$(SO_FILE) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SO_FILE) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libpop3.so
	install -m 755 $(B)/pop3get $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 examples/pop3get/pop3get.1 $(DESTDIR)$(MANDIR)/man1/
	$(PC_SUBST) pop3.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/pop3.pc
	$(PC_SUBST) pop3-netx.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/pop3-netx.pc

# Removes exactly what install put there (same PREFIX, DESTDIR, LIBDIR).
uninstall:
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/,$(notdir $(PUBLIC_H)))
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/pop3/netx/,$(notdir $(NETX_H)))
	rm -f $(addprefix $(DESTDIR)$(LIBDIR)/,libpop3.a libpop3.so $(SO_NAME) $(SO_FILE))
	rm -f $(DESTDIR)$(LIBDIR)/pkgconfig/pop3.pc $(DESTDIR)$(LIBDIR)/pkgconfig/pop3-netx.pc
	rm -f $(DESTDIR)$(BINDIR)/pop3get $(DESTDIR)$(MANDIR)/man1/pop3get.1
	-rmdir $(DESTDIR)$(INCLUDEDIR)/pop3/netx $(DESTDIR)$(INCLUDEDIR)/pop3 2>/dev/null

clean:
	rm -rf $(B)

include port/lwip/lwip.mk
include tests/mbedtls36.mk
include examples/netx_app/netx_app.mk
include examples/lwip_superloop/board/mps2_an386/board.mk
