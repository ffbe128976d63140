# netx_app.mk - the NetX example over lwIP, included by the Makefile after
# port/lwip/lwip.mk (it uses that file's NO_SYS=1 lwIP build).
#
#   make netx-lwip-check   examples/netx_app on lwIP NO_SYS=1 against Dovecot
#                          in a private network namespace (root)

NX_LWIP_DEP := examples/netx_app/netx_app.c port/lwip/pop3_nx_lwip.c include/pop3_nx_lwip.h \
               include/pop3_nx_port.h include/nx_api.h include/nxd_pop3_client.h

.PHONY: netx-lwip-build netx-lwip-check

$(B)/lwip/netx_app_lwip: $(NX_LWIP_DEP) $(B)/lwip-nosys/liblwip-nosys.a $(B)/libpop3.a
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -D_DEFAULT_SOURCE -DNETX_APP_LWIP $(WARN) $(CFLAGS) $(LWIP_NOSYS_INC) \
	  examples/netx_app/netx_app.c port/lwip/pop3_nx_lwip.c -o $@ \
	  $(B)/lwip-nosys/liblwip-nosys.a $(B)/libpop3.a $(LDLIBS)

netx-lwip-build: $(B)/lwip/netx_app_lwip

netx-lwip-check: netx-lwip-build
	bash tests/lwip/netx_app.sh
