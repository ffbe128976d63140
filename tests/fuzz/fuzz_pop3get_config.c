/* SPDX-License-Identifier: MIT */
/* fuzz_pop3get_config.c - libFuzzer target: pop3get's configuration file
 * (examples/pop3get/pg_config.c) and the command line each account becomes
 * (pg_options_parse), linked as in the program.
 *
 * The input is written to a private file (mode 0600) and loaded. For each
 * account whose arguments name no file or command pop3get would read or
 * run (--pass-file, --password-command, --cafile), the arguments are
 * parsed with the account's password preset. HOME is unset (no ~/.netrc,
 * no "~/" expansion) and stdin is /dev/null (no prompt). Checked: no crash
 * or sanitizer report; an account that parses has a host, a user, a
 * password and a port in 1..65535.
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_config.h"
#include "pg_options.h"
#include "pg_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[] = "/tmp/fuzz_pop3get_config.XXXXXX";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    int fd;

    (void)argc;
    (void)argv;
    unsetenv("HOME");
    unsetenv("POP3_PASSWORD");
    unsetenv("MAILDIR");
    if (freopen("/dev/null", "r", stdin) == NULL || (fd = mkstemp(path)) < 0)
        abort();
    close(fd);
    return 0;
}

static int names_outside(const struct pg_account *a)
{
    int i;

    for (i = 0; i < a->argc; i++)
        if (strcmp(a->argv[i], "--pass-file") == 0 || strcmp(a->argv[i], "--password-command") == 0 ||
            strcmp(a->argv[i], "--cafile") == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pg_config c;
    static struct pg_options o;
    FILE *f = fopen(path, "w");
    size_t i;

    if (f == NULL)
        abort();
    if (size > 0 && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    if (pg_config_load(&c, path) != 0)
        return 0;
    for (i = 0; i < c.n; i++) {
        const struct pg_account *a = &c.acct[i];
        char *argv[PG_CONFIG_ARGS + 2];
        uint32_t port;
        int k;

        if (names_outside(a))
            continue;
        argv[0] = (char *)"pop3get";
        for (k = 0; k < a->argc; k++)
            argv[k + 1] = a->argv[k];
        argv[a->argc + 1] = NULL;
        memset(&o, 0, sizeof o);
        if (a->password != NULL && strlen(a->password) < sizeof o.pass) {
            strcpy(o.pass, a->password);
            o.have_pass = 1;
        }
        if (pg_options_parse(&o, a->argc + 1, argv) == 0) {
            if (o.host == NULL || o.host[0] == '\0' || o.user == NULL || !o.have_pass)
                abort();
            if (pg_parse_u32(o.port, 1, &port) < 0 || port > 65535)
                abort();
        }
        pg_options_free(&o);
    }
    pg_config_free(&c);
    return 0;
}
