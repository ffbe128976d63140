/* SPDX-License-Identifier: MIT */
/* fuzz_pop3get_args.c - libFuzzer target: pop3get's command line and URL
 * parsing (examples/pop3get/pg_options.c: pg_options_parse, the URL,
 * percent decoding, host/port/IPv6 brackets, --top N:LINES, --timeout ...),
 * linked as it is in the program.
 *
 * The input is split at NUL octets into at most 32 arguments. Arguments
 * naming files (--pass-file, --oauth2-token-file, --cafile, --capath) or
 * commands (--password-command) are dropped: the target must not read
 * files or run commands named by the fuzzer. POP3_PASSWORD and HOME (no
 * ~/.netrc) are unset and stdin is /dev/null (no password prompt). Checked: no crash or sanitizer report; on success
 * the host is non-empty, the port is 1..65535, the user is set, and a
 * password given in the URL has been masked in argv (it must not linger in
 * the process listing).
 */
#define _POSIX_C_SOURCE 200809L

#include "pg_options.h"
#include "pg_util.h"

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* Usage errors go to stderr and --help to stdout; run with
     * -close_fd_mask=3 (make fuzz does) to keep the log short. */
    unsetenv("POP3_PASSWORD");
    unsetenv("MAILDIR");
    unsetenv("HOME");
    if (freopen("/dev/null", "r", stdin) == NULL)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pg_options o;
    char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
    int argc = 1, r;
    size_t i, start = 0;
    uint32_t port;

    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[0] = (char *)"pop3get";
    for (i = 0; i <= size && argc <= MAX_ARGS; i++) {
        if (buf[i] != '\0')
            continue;
        /* Options that name files pop3get reads are dropped. */
        if (strstr(buf + start, "file") == NULL && strstr(buf + start, "capath") == NULL &&
            strstr(buf + start, "command") == NULL)
            argv[argc++] = buf + start;
        start = i + 1;
    }
    argv[argc] = NULL;
    memset(&o, 0, sizeof(o));
    r = pg_options_parse(&o, argc, argv);
    if (r == 0) {
        if (o.host == NULL || o.host[0] == '\0' || o.user == NULL ||
            o.user[0] == '\0' || !o.have_pass || o.url == NULL)
            abort();
        if (pg_parse_u32(o.port, 1, &port) < 0 || port > 65535)
            abort();
        if (o.mode == PG_MODE_MSG && o.msg == 0)
            abort();
    }
    if (r == 0) {
        /* A URL password is overwritten with '*' once decoded. */
        const char *rest = o.url + 7, *at = NULL, *colon, *p;
        size_t alen = strcspn(rest, "/");

        for (p = rest; p < rest + alen; p++)
            if (*p == '@')
                at = p;
        colon = at != NULL ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
        for (p = colon != NULL ? colon + 1 : at; p != NULL && p < at; p++)
            if (*p != '*')
                abort();
    }
    pg_options_free(&o);
    free(buf);
    return 0;
}
