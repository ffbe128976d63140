/* SPDX-License-Identifier: MIT */
/* client_cfg.h - a client configuration over buffers the test owns, for
 * the tests and test programs that set up a pop3_client by hand over a
 * real transport (the POSIX and lwIP ports, the TLS decorator).
 * Header only, no CMocka: lwip_fetch.c includes it too.
 */
#ifndef TESTS_CLIENT_CFG_H
#define TESTS_CLIENT_CFG_H

#include <stddef.h>
#include <stdint.h>

#include "pop3.h"

/* *cfg gets pop3_client_config_defaults(), then the transport, the event
 * callback and its user pointer, and the line, command and queue buffers
 * with their sizes (queue_len in slots). Timeouts stay the defaults; the
 * caller sets its own afterwards. The buffers must outlive the client. */
static inline void client_cfg(pop3_client_config *cfg, const pop3_transport *tr,
                              pop3_event_cb cb, void *user, char *line, size_t line_size,
                              uint8_t *cmd, size_t cmd_size, pop3_slot *queue,
                              size_t queue_len)
{
    pop3_client_config_defaults(cfg);
    cfg->transport = tr;
    cfg->cb = cb;
    cfg->user = user;
    cfg->line_buf = line; cfg->line_size = line_size;
    cfg->cmd_buf = cmd; cfg->cmd_size = cmd_size;
    cfg->queue = queue; cfg->queue_len = queue_len;
}

#endif
