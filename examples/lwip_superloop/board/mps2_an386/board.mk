# SPDX-License-Identifier: MIT
# board.mk - the superloop firmware for the MPS2 AN386 (Cortex-M4, QEMU
# -M mps2-an386), included by the Makefile after port/lwip/lwip.mk.
#
#   make firmware    build/fw/plain.elf  clear text, lean engine
#                    build/fw/tls.elf    POP3S (altcp_tls) and STLS (the pop3
#                                        TLS decorator), Mbed TLS 2.28
#                    build/fw/netx.elf   examples/netx_app (NetX Duo POP3
#                                        Client API) over the shim's lwIP hook
#                    build/fw/pop3s.elf  POP3S only, sized for 96 KB / 32 KB
#   make qemu-check  boot them in QEMU against a private Dovecot reached
#                    over a tap device in a private network namespace (root)
#   make fw-bench    sizes per component, instructions per octet (-icount)
#
# lwIP and Mbed TLS are Debian's source packages, fetched into build/ at
# build time (scripts/lwip-src.sh, scripts/mbedtls-src.sh 2.28); the test CA
# compiled into tls.elf is made at build time in build/fw/pki (openssl).

CROSS_AR ?= arm-none-eabi-ar
FW_DIR  := examples/lwip_superloop/board/mps2_an386
FW_B    := $(B)/fw
MBEDTLS28_SRC   := $(B)/mbedtls-2.28
MBEDTLS28_STAMP := $(MBEDTLS28_SRC)/library/ssl_tls.c

FW_ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=soft
FW_OPT  := -Os -g -ffunction-sections -fdata-sections -fno-common
FW_INC  := -I$(FW_DIR) -Iexamples/lwip_superloop -Iport/lwip/nosys -Iinclude -Isrc/core -Isrc/md5 \
           -isystem $(LWIP_SRC)/src/include -isystem $(MBEDTLS28_SRC)/include \
           '-DMBEDTLS_CONFIG_FILE="mbedtls_config_fw.h"'
# Per image: the lwIP options (lwipopts.h reads these) and the engine's.
# Sized from what qemu-check measures (the "exit" line; docs/firmware.md):
# lwIP heap peak 16 KB of which Mbed TLS 13.5 KB, stack high-water 3.3 KB.
FW_DEFS_plain := -DPOP3_LEAN=1 -DPBUF_POOL_SIZE=10
FW_DEFS_netx  := -DNETX_APP_BOARD -DPBUF_POOL_SIZE=10 -DPOP3_NX_CONN_SIZE=128 -Iinclude/netx
FW_TLS_COMMON := -DLWIP_ALTCP=1 -DLWIP_ALTCP_TLS=1 -DLWIP_ALTCP_TLS_MBEDTLS=1 -DPOP3_TLS=1 \
                 -DALTCP_MBEDTLS_PLATFORM_ALLOC_STATS=1 \
                 -DLWIP_STATS=1 -DMEM_STATS=1 -DMEMP_STATS=0 -DLINK_STATS=0 -DETHARP_STATS=0 \
                 -DIP_STATS=0 -DIPFRAG_STATS=0 -DICMP_STATS=0 -DUDP_STATS=0 -DTCP_STATS=0 -DSYS_STATS=0
FW_DEFS_tls   := $(FW_TLS_COMMON) '-DMEM_SIZE=(24 * 1024)' -DPBUF_POOL_SIZE=10
# POP3S only, sized for the issue's targets: lean engine, no STLS/decorator,
# no IP reassembly, Mbed TLS without MD5, RSA-PSS, ChaCha20, SHA-384, X25519
# and PEM (FW_TLS_MIN); lwIP heap just above its measured peak, 6 pool
# pbufs (one 4 KB record in the window). docs/firmware.md, Numbers.
FW_DEFS_pop3s := $(FW_TLS_COMMON) -DPOP3_LEAN=1 -DFW_STLS=0 -DIP_REASSEMBLY=0 -DIP_FRAG=0 \
                 -DFW_TLS_MIN '-DMEM_SIZE=(16 * 1024)' -DPBUF_POOL_SIZE=6
FW_CFLAGS = -std=c99 $(FW_ARCH) $(FW_OPT) $(FW_INC) $(FW_DEFS_$(1))
FW_LDFLAGS := $(FW_ARCH) -nostartfiles --specs=nano.specs --specs=nosys.specs \
              -Wl,--gc-sections -T $(FW_DIR)/mps2_an386.ld

# Third-party sources: built as shipped, without our -Werror.
FW_LWIP_SRC := $(addprefix src/core/,$(LWIP_CORE_FILES)) src/netif/ethernet.c \
               src/apps/altcp_tls/altcp_tls_mbedtls.c src/apps/altcp_tls/altcp_tls_mbedtls_mem.c
FW_MBED_SRC = $(notdir $(wildcard $(MBEDTLS28_SRC)/library/*.c))
# Ours: -Werror; the board files also with -Wconversion's cousins off.
FW_POP3_plain := $(wildcard src/core/*.c) port/lwip/pop3_lwip.c
FW_POP3_tls   := $(wildcard src/core/*.c) src/md5/pop3_md5.c src/transport/pop3_transport_tls.c port/lwip/pop3_lwip.c
FW_POP3_netx  := $(wildcard src/core/*.c) src/md5/pop3_md5.c $(NX_CORE_SRC) src/nx/nx_lwip.c port/lwip/pop3_lwip.c
FW_BOARD      := $(FW_DIR)/startup.c $(FW_DIR)/board.c $(FW_DIR)/lan9118.c
FW_BOARD_plain := examples/lwip_superloop/main.c
FW_BOARD_tls  := examples/lwip_superloop/main.c $(FW_DIR)/entropy_test_only.c
FW_BOARD_netx := examples/netx_app/netx_app.c
FW_POP3_pop3s := $(wildcard src/core/*.c) port/lwip/pop3_lwip.c
FW_BOARD_pop3s := $(FW_BOARD_tls)
FW_HDRS := $(wildcard include/*.h src/core/*.h src/md5/*.h $(FW_DIR)/*.h $(FW_DIR)/arch/*.h) \
           $(wildcard include/netx/*.h src/nx/*.h) examples/lwip_superloop/board.h \
           port/lwip/nosys/lwipopts.h $(FW_DIR)/board.mk

.PHONY: firmware qemu-check
firmware: $(FW_B)/plain.elf $(FW_B)/tls.elf $(FW_B)/netx.elf $(FW_B)/pop3s.elf

$(MBEDTLS28_STAMP):
	bash scripts/mbedtls-src.sh 2.28 $(MBEDTLS28_SRC)

# Mbed TLS, with the firmware config (every image links it: the plain ones
# only take SHA-256 from it, for the store's digests), and again with
# FW_TLS_MIN for the POP3S-only image. The list of its sources exists only
# once the source is fetched, so a fresh make builds the library (make's
# directory cache would still hold the listing from before the fetch).
$(FW_B)/mbedtls-fw/%.o: $(MBEDTLS28_STAMP) $(FW_DIR)/mbedtls_config_fw.h
	@mkdir -p $(dir $@)
	@$(CROSS_CC) $(call FW_CFLAGS,tls) -w -c $(MBEDTLS28_SRC)/library/$*.c -o $@
$(FW_B)/mbedtls-min/%.o: $(MBEDTLS28_STAMP) $(FW_DIR)/mbedtls_config_fw.h
	@mkdir -p $(dir $@)
	@$(CROSS_CC) $(call FW_CFLAGS,tls) -DFW_TLS_MIN -w -c $(MBEDTLS28_SRC)/library/$*.c -o $@
$(FW_B)/libmbedtls-fw.a $(FW_B)/libmbedtls-min.a: $(FW_B)/lib%.a: $(MBEDTLS28_STAMP) $(FW_DIR)/mbedtls_config_fw.h
	@$(MAKE) --no-print-directory FW_MBED_VARIANT=$* fw-mbedtls-lib
.PHONY: fw-mbedtls-lib
fw-mbedtls-lib: $(addprefix $(FW_B)/$(FW_MBED_VARIANT)/,$(FW_MBED_SRC:.c=.o))
	@test -n "$^" || { echo "firmware: no Mbed TLS sources in $(MBEDTLS28_SRC)/library"; exit 1; }
	@rm -f $(FW_B)/lib$(FW_MBED_VARIANT).a && $(CROSS_AR) rcs $(FW_B)/lib$(FW_MBED_VARIANT).a $^

# The test CA: made here, compiled into tls.elf, never committed.
$(FW_B)/pki/ca.crt:
	@mkdir -p $(dir $@)
	@openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
	  -subj "/CN=pop3 firmware test CA" -keyout $(FW_B)/pki/ca.key -out $@ 2>/dev/null
$(FW_B)/board_ca.c: $(FW_B)/pki/ca.crt
	@openssl x509 -in $< -outform DER -out $(FW_B)/pki/ca.der
	@{ echo '/* generated from build/fw/pki/ca.crt: the test CA */'; echo '#include <stddef.h>'; \
	   echo 'const unsigned char board_ca[] = {'; od -An -v -tu1 $(FW_B)/pki/ca.der | \
	   sed -e 's/  */ /g' -e 's/^ //' -e 's/ /, /g' -e 's/$$/,/'; echo '};'; \
	   echo 'const size_t board_ca_len = sizeof board_ca;'; } > $@

FW_MBED_LIB_plain := libmbedtls-fw.a
FW_MBED_LIB_tls   := libmbedtls-fw.a
FW_MBED_LIB_netx  := libmbedtls-fw.a
FW_MBED_LIB_pop3s := libmbedtls-min.a
define FW_IMAGE
$(FW_B)/$(1)/lwip/%.o: $(LWIP_STAMP) $(MBEDTLS28_STAMP) port/lwip/nosys/lwipopts.h $(FW_DIR)/arch/cc.h $(FW_DIR)/board.mk
	@mkdir -p $$(dir $$@)
	@$(CROSS_CC) $(call FW_CFLAGS,$(1)) -w -c $(LWIP_SRC)/$$*.c -o $$@
$(FW_B)/$(1)/pop3/%.o: %.c $(FW_HDRS) $(LWIP_STAMP) $(MBEDTLS28_STAMP)
	@mkdir -p $$(dir $$@)
	$(CROSS_CC) $(call FW_CFLAGS,$(1)) $(WARN) -c $$< -o $$@
$(FW_B)/$(1).elf: $(addprefix $(FW_B)/$(1)/lwip/,$(FW_LWIP_SRC:.c=.o)) \
                  $(addprefix $(FW_B)/$(1)/pop3/,$(FW_POP3_$(1):.c=.o) $(FW_BOARD:.c=.o) $(FW_BOARD_$(1):.c=.o)) \
                  $(FW_B)/$(FW_MBED_LIB_$(1)) $(if $(filter tls pop3s,$(1)),$(FW_B)/$(1)/pop3/board_ca.o)
	$(CROSS_CC) $(FW_LDFLAGS) -Wl,-Map=$(FW_B)/$(1).map -o $$@ $$(filter %.o,$$^) $(FW_B)/$(FW_MBED_LIB_$(1))
	@$(CROSS_SIZE) $$@
endef
$(eval $(call FW_IMAGE,plain))
$(eval $(call FW_IMAGE,tls))
$(eval $(call FW_IMAGE,netx))
$(eval $(call FW_IMAGE,pop3s))
$(FW_B)/tls/pop3/board_ca.o $(FW_B)/pop3s/pop3/board_ca.o: $(FW_B)/board_ca.c
	@mkdir -p $(dir $@)
	$(CROSS_CC) -std=c99 $(FW_ARCH) $(FW_OPT) $(WARN) -c $< -o $@

qemu-check: firmware
	bash tests/qemu/run.sh

# Instructions per fetched octet under QEMU -icount (BENCHMARKS.md), and the
# images' sizes per component.
.PHONY: fw-bench
fw-bench: firmware
	python3 bench/fw_size.py $(FW_B)/plain.map $(FW_B)/tls.map $(FW_B)/pop3s.map
	FW_BENCH=1 bash tests/qemu/run.sh
