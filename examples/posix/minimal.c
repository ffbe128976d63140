/* SPDX-License-Identifier: MIT */
/* minimal HOST PORT USER PASS: log in, print the message count and the first message, quit. */
#include <stdio.h>
#include "pop3_posix.h"

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    char **argv = user;
    switch (ev->type) {
    case POP3_EV_GREETING: pop3_client_login(c, argv[3], argv[4], POP3_AUTH_USER); break;
    case POP3_EV_LOGIN: pop3_client_stat(c); break;
    case POP3_EV_STAT:
        printf("%u messages, %llu octets\n", ev->count, (unsigned long long)ev->size);
        if (ev->count > 0) pop3_client_retr(c, 1);
        pop3_client_quit(c); break;
    case POP3_EV_MSG_DATA: fwrite(ev->text, 1, ev->len, stdout); break;
    case POP3_EV_SERVER_ERR: fprintf(stderr, "-ERR %.*s\n", (int)ev->len, ev->text);
        pop3_client_quit(c); break;
    default: break;
    }
}

int main(int argc, char **argv)
{
    static pop3_posix port;           /* the caller owns every byte: */
    static char line[POP3_LINE_MIN];  /* status and listing lines */
    static uint8_t cmd[POP3_CMD_MAX]; /* commands on their way out */
    static pop3_slot queue[4];        /* up to 4 commands in flight */
    pop3_client c; pop3_client_config cfg;
    if (argc != 5) { fprintf(stderr, "usage: minimal HOST PORT USER PASS\n"); return 64; }
    pop3_posix_init(&port); pop3_client_config_defaults(&cfg);
    cfg.transport = pop3_posix_transport(&port); cfg.cb = on_event; cfg.user = argv;
    cfg.line_buf = line; cfg.line_size = sizeof line;
    cfg.cmd_buf = cmd;   cfg.cmd_size = sizeof cmd;
    cfg.queue = queue;   cfg.queue_len = 4;
    pop3_client_init(&c, &cfg);
    pop3_err e = pop3_posix_connect(&port, &c, argv[1], argv[2]);
    if (e == POP3_OK) e = pop3_posix_run(&port);
    if (e != POP3_ERR_CLOSED) { fprintf(stderr, "minimal: %s\n", pop3_strerror(e)); return 1; }
    return 0;
}
