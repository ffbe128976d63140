# SPDX-License-Identifier: MIT
# lwip.mk - lwIP port targets, included by the Makefile.
#
#   make lwip-unit    port/lwip against a scripted tcp_* layer (no root)
#   make lwip-check   lwip-unit, then the lwIP tests over a tap device in a
#                     private network namespace (root): Debian's liblwip with
#                     the tcpip thread, and the NO_SYS=1 superloop example
#                     (tests/lwip/run.sh)
#   make cross-lwip   engine + md5 + port/lwip for Cortex-M4 against lwIP
#                     headers (port/lwip/nosys/lwipopts.h): sizes per
#                     component, sizeof the client state, unresolved symbols
#
# The lwIP source (Debian's lwip source package) is fetched into build/ by
# scripts/lwip-src.sh the first time a target needs it; it is never committed.

LWIP_SRC      := $(B)/lwip-src
LWIP_STAMP    := $(LWIP_SRC)/src/core/tcp.c
LWIP_PORT_DEP := port/lwip/pop3_lwip.c include/pop3_lwip.h include/pop3.h \
                 include/pop3_transport.h include/pop3_config_defaults.h

# Debian's liblwip: NO_SYS=0, tcpip thread, core locking; its lwipopts.h
# lives in /usr/include/lwip. _DEFAULT_SOURCE: its arch/cc.h uses POSIX types.
LWIP_DEB_CFLAGS = $(CSTD) -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -Iinclude -I/usr/include/lwip

# NO_SYS=1: lwIP core compiled from source with the project's lwipopts.h;
# the unix port of the source package supplies arch/cc.h and the tap netif.
LWIP_NOSYS_INC  = -Iinclude -Iport/lwip/nosys -I$(LWIP_SRC)/src/include -I$(LWIP_SRC)/port/include
LWIP_CORE_FILES := init.c def.c dns.c inet_chksum.c ip.c mem.c memp.c netif.c \
                   pbuf.c raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c \
                   altcp.c altcp_alloc.c altcp_tcp.c \
                   ipv4/etharp.c ipv4/icmp.c ipv4/ip4.c ipv4/ip4_addr.c ipv4/ip4_frag.c
LWIP_NOSYS_SRC  := $(addprefix src/core/,$(LWIP_CORE_FILES)) src/netif/ethernet.c port/netif/tapif.c
LWIP_NOSYS_OBJ  := $(LWIP_NOSYS_SRC:%.c=$(B)/lwip-nosys/%.o)

.PHONY: lwip-src lwip-build lwip-unit lwip-check cross-lwip

lwip-src: $(LWIP_STAMP)
$(LWIP_STAMP):
	bash scripts/lwip-src.sh $(LWIP_SRC)

$(B)/lwip/lwip_fetch: tests/lwip/lwip_fetch.c $(LWIP_PORT_DEP) $(B)/libpop3.a
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_DEB_CFLAGS) tests/lwip/lwip_fetch.c port/lwip/pop3_lwip.c -o $@ \
	  $(B)/libpop3.a -llwip -lpthread $(LDLIBS)

# The same with the engine and the port under ASan+UBSan.
$(B)/lwip/lwip_fetch_asan: tests/lwip/lwip_fetch.c $(LWIP_PORT_DEP) $(ENGINE_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(LWIP_DEB_CFLAGS) $(SAN_FLAGS) -Isrc/md5 -Isrc/core tests/lwip/lwip_fetch.c \
	  port/lwip/pop3_lwip.c $(ENGINE_SRC) -o $@ -llwip -lpthread $(LDLIBS)

# Third-party code: built as shipped, without our -Werror.
$(LWIP_NOSYS_OBJ): $(B)/lwip-nosys/%.o: $(LWIP_STAMP) port/lwip/nosys/lwipopts.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu99 -O2 -g -w $(LWIP_NOSYS_INC) -c $(LWIP_SRC)/$*.c -o $@

$(B)/lwip-nosys/liblwip-nosys.a: $(LWIP_NOSYS_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The same lwIP with LWIP_ALTCP=1: the port then runs over altcp_tcp.
$(LWIP_NOSYS_OBJ:$(B)/lwip-nosys/%=$(B)/lwip-nosys-altcp/%): $(B)/lwip-nosys-altcp/%.o: $(LWIP_STAMP) port/lwip/nosys/lwipopts.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu99 -O2 -g -w -DLWIP_ALTCP=1 $(LWIP_NOSYS_INC) -c $(LWIP_SRC)/$*.c -o $@

$(B)/lwip-nosys-altcp/liblwip-nosys.a: $(LWIP_NOSYS_OBJ:$(B)/lwip-nosys/%=$(B)/lwip-nosys-altcp/%)
	@rm -f $@
	$(AR) rcs $@ $^

# The firmware shape: the engine built from source with POP3_LEAN=1, no MD5
# and no Mbed TLS linked (what it uses is all the lean build keeps).
SUPERLOOP_HOST := examples/lwip_superloop/main.c examples/lwip_superloop/board/host_tap/board.c
SUPERLOOP_DEP  := $(SUPERLOOP_HOST) examples/lwip_superloop/board.h $(LWIP_PORT_DEP)
$(B)/lwip_superloop: $(SUPERLOOP_DEP) $(B)/lwip-nosys/liblwip-nosys.a $(wildcard src/core/*.c src/core/*.h)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) -DPOP3_LEAN=1 $(LWIP_NOSYS_INC) -Isrc/core -Isrc/md5 \
	  -Iexamples/lwip_superloop $(SUPERLOOP_HOST) port/lwip/pop3_lwip.c $(wildcard src/core/*.c) -o $@ \
	  $(B)/lwip-nosys/liblwip-nosys.a

$(B)/lwip/lwip_superloop_altcp: $(SUPERLOOP_DEP) $(B)/lwip-nosys-altcp/liblwip-nosys.a $(B)/libpop3.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE -DLWIP_ALTCP=1 $(WARN) $(CFLAGS) $(LWIP_NOSYS_INC) -Iexamples/lwip_superloop $(SUPERLOOP_HOST) \
	  port/lwip/pop3_lwip.c -o $@ $(B)/lwip-nosys-altcp/liblwip-nosys.a $(B)/libpop3.a $(LDLIBS)

# port/lwip over a scripted tcp_* layer and lwIP's real pbufs (no root).
LWIP_UNIT_OBJ := $(addprefix $(B)/lwip-nosys/src/core/,pbuf.o mem.o memp.o def.o ipv4/ip4_addr.o)
$(B)/lwip/test_pop3_lwip: tests/lwip/test_pop3_lwip.c $(LWIP_PORT_DEP) $(ENGINE_SRC) $(LWIP_UNIT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(SAN_FLAGS) $(LWIP_NOSYS_INC) -Isrc/md5 -Isrc/core \
	  tests/lwip/test_pop3_lwip.c port/lwip/pop3_lwip.c $(ENGINE_SRC) $(LWIP_UNIT_OBJ) -o $@ -lcmocka $(LDLIBS)

lwip-unit: $(B)/lwip/test_pop3_lwip
	$(B)/lwip/test_pop3_lwip

lwip-build: $(B)/lwip/test_pop3_lwip $(B)/lwip/lwip_fetch $(B)/lwip/lwip_fetch_asan $(B)/lwip_superloop $(B)/lwip/lwip_superloop_altcp

lwip-check: all lwip-build
	$(B)/lwip/test_pop3_lwip
	bash tests/lwip/run.sh

# Cortex-M4: the port against the source package's headers and the NO_SYS=1
# lwipopts.h; port/lwip/cross/arch/cc.h stands in for a board's cc.h.
cross-lwip: $(LWIP_STAMP)
	@command -v $(CROSS_CC) >/dev/null || { echo "cross: $(CROSS_CC) not found (run scripts/deps.sh)"; exit 1; }
	@CROSS_CC="$(CROSS_CC)" CROSS_SIZE="$(CROSS_SIZE)" LWIP_SRC="$(LWIP_SRC)" B="$(B)" \
	  bash port/lwip/cross/check.sh
