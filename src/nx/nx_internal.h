/* SPDX-License-Identifier: MIT */
/* nx_internal.h - shared between the NetX shim's source files (internal). */
#ifndef POP3_NX_INTERNAL_H
#define POP3_NX_INTERNAL_H

#include "nx_api.h"

/* A free packet of pool, emptied, or NX_NULL when the pool is empty or
 * not created. */
NX_PACKET *pop3_nx_packet_alloc(NX_PACKET_POOL *pool);

#endif /* POP3_NX_INTERNAL_H */
