# SPDX-License-Identifier: MIT
# mbedtls36.mk - the TLS tests once more against Mbed TLS 3.6 LTS (TLS 1.3),
# included by the Makefile. The host build uses Debian 12's libmbedtls-dev
# (2.28); this builds Debian 13's mbedtls 3.6 source package, fetched at build
# time by scripts/mbedtls-src.sh into build/ (never committed), libraries
# only, and the library, the TLS/MD5/SASL unit tests and pop3get against it in
# $(B)/m36.
#
#   make tls36-check   test_tls, test_md5, test_auth and
#                      tests/integration/tls.sh (Dovecot) against 3.6

MBEDTLS36_SRC  := $(B)/mbedtls-3.6
MBEDTLS36_LIBS := $(addprefix $(MBEDTLS36_SRC)/library/,libmbedtls.a libmbedx509.a libmbedcrypto.a)
M36            := $(B)/m36
# Deprecated Mbed TLS calls are errors here (-Werror).
M36_VARS = B=$(M36) MBEDTLS_CFLAGS="-isystem $(MBEDTLS36_SRC)/include -DMBEDTLS_DEPRECATED_WARNING" \
           LDLIBS="$(MBEDTLS36_LIBS)"
M36_TESTS := $(M36)/tests/test_tls $(M36)/tests/test_md5 $(M36)/tests/test_auth

.PHONY: mbedtls36 tls36-check

$(MBEDTLS36_SRC)/library/ssl_tls.c:
	bash scripts/mbedtls-src.sh 3.6 $(MBEDTLS36_SRC)

# Third-party code: built as shipped (its own flags, no -Werror of ours).
$(MBEDTLS36_SRC)/.built: $(MBEDTLS36_SRC)/library/ssl_tls.c
	$(MAKE) --no-print-directory -C $(MBEDTLS36_SRC)/library CC="$(CC)" CFLAGS=-O2 \
	  libmbedcrypto.a libmbedx509.a libmbedtls.a >$(MBEDTLS36_SRC)/build.log 2>&1 || \
	  { tail -20 $(MBEDTLS36_SRC)/build.log; exit 1; }
	@touch $@
mbedtls36: $(MBEDTLS36_SRC)/.built

tls36-check: $(MBEDTLS36_SRC)/.built
	@$(MAKE) --no-print-directory $(M36_VARS) $(M36_TESTS) $(M36)/pop3get
	@fail=0; for t in $(M36_TESTS); do echo "== $$t (Mbed TLS 3.6)"; $$t || fail=1; done; exit $$fail
	POP3GET=$(M36)/pop3get TLS_VERSION=TLSv1.3 bash tests/integration/tls.sh
