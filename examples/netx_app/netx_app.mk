# SPDX-License-Identifier: MIT
# netx_app.mk - the NetX example over lwIP, included by the Makefile after
# port/lwip/lwip.mk (it uses that file's NO_SYS=1 lwIP build).
#
#   make netx-lwip-check   examples/netx_app on lwIP NO_SYS=1 against Dovecot
#                          in a private network namespace (root), after
#   make netx-cross        the shim and the lwIP hook for Cortex-M4, sizes

NX_LWIP_DEP := examples/netx_app/netx_app.c src/nx/nx_lwip.c src/nx/nx_hook.h $(LWIP_PORT_DEP) \
               $(wildcard include/netx/*.h)

.PHONY: netx-lwip-build netx-lwip-check

$(B)/lwip/netx_app_lwip: $(NX_LWIP_DEP) $(B)/lwip-nosys/liblwip-nosys.a $(B)/libpop3.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE -DNETX_APP_LWIP $(WARN) $(CFLAGS) $(LWIP_NOSYS_INC) -Iinclude/netx \
	  examples/netx_app/netx_app.c src/nx/nx_lwip.c port/lwip/pop3_lwip.c -o $@ \
	  $(B)/lwip-nosys/liblwip-nosys.a $(B)/libpop3.a $(LDLIBS)

netx-lwip-build: $(B)/lwip/netx_app_lwip

netx-lwip-check: netx-cross netx-lwip-build
	bash tests/lwip/netx_app.sh

# The shim and the lwIP hook for Cortex-M4 (-Os, -pedantic -Wconversion):
# they must build for firmware; prints their size. Part of netx-lwip-check.
.PHONY: netx-cross
netx-cross: $(LWIP_STAMP)
	@command -v $(CROSS_CC) >/dev/null || { echo "netx-cross: $(CROSS_CC) not found (run scripts/deps.sh)"; exit 1; }
	@mkdir -p $(B)/cross/nx
	@set -e; for f in $(NX_CORE_SRC); do \
	  $(CROSS_CC) -std=c99 -pedantic $(WARN) -Wconversion -Wno-sign-conversion -Os -mcpu=cortex-m4 -mthumb \
	    -ffunction-sections -fdata-sections -DPOP3_NX_CONN_SIZE=128 -Iinclude -Iinclude/netx -Isrc/md5 -Isrc/core -c $$f -o $(B)/cross/nx/$$(basename $$f .c).o; done
	@$(CROSS_CC) -std=c99 -pedantic $(WARN) -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections -DPOP3_NX_CONN_SIZE=128 \
	  -Iinclude -Iinclude/netx -Iport/lwip/nosys -Iport/lwip/cross -I$(LWIP_SRC)/src/include \
	  -c src/nx/nx_lwip.c -o $(B)/cross/nx/nx_lwip.o
	@echo "NetX shim and lwIP hook for Cortex-M4 (-Os):" && $(CROSS_SIZE) -t $(B)/cross/nx/*.o
