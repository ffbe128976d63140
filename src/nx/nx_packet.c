/* SPDX-License-Identifier: MIT */
/* nx_packet.c - NetX-style packet pools for the NetX POP3 shim.
 *
 * A pool is carved out of memory the application provides; nothing is
 * allocated. Each packet is an NX_PACKET header followed by its payload.
 */
#include <string.h>

#include "nx_api.h"
#include "nx_hook.h"

#define ALIGN_UP(n) (((n) + 7u) & ~(size_t)7u)

UINT nx_packet_pool_create(NX_PACKET_POOL *pool_ptr, CHAR *name_ptr,
                           ULONG payload_size, VOID *memory_ptr,
                           ULONG memory_size)
{
    UCHAR *mem = (UCHAR *)memory_ptr;
    size_t skip, slot, total, i, count;
    NX_PACKET *prev = NX_NULL;

    if (pool_ptr == NX_NULL || memory_ptr == NX_NULL)
        return NX_PTR_ERROR;
    memset(pool_ptr, 0, sizeof(*pool_ptr));
    if (payload_size == 0 || payload_size > 0x7FFFFFFFUL)
        return NX_SIZE_ERROR;
    skip = ALIGN_UP((size_t)(uintptr_t)mem) - (size_t)(uintptr_t)mem;
    slot = ALIGN_UP(sizeof(NX_PACKET)) + ALIGN_UP((size_t)payload_size);
    total = (size_t)memory_size;
    if (total < skip || (total - skip) / slot == 0)
        return NX_SIZE_ERROR;
    count = (total - skip) / slot;
    mem += skip;
    for (i = 0; i < count; i++) {
        NX_PACKET *p = (NX_PACKET *)(void *)(mem + i * slot);

        memset(p, 0, sizeof(*p));
        p->nx_packet_pool_owner = pool_ptr;
        p->nx_packet_data_start = (UCHAR *)p + ALIGN_UP(sizeof(NX_PACKET));
        p->nx_packet_data_end = p->nx_packet_data_start + payload_size;
        p->nx_packet_prepend_ptr = p->nx_packet_data_start;
        p->nx_packet_append_ptr = p->nx_packet_data_start;
        if (prev == NX_NULL)
            pool_ptr->nx_packet_pool_available_list = p;
        else
            prev->nx_packet_queue_next = p;
        prev = p;
    }
    pool_ptr->nx_packet_pool_name = name_ptr;
    pool_ptr->nx_packet_pool_available = (ULONG)count;
    pool_ptr->nx_packet_pool_total = (ULONG)count;
    pool_ptr->nx_packet_pool_payload_size = payload_size;
    pool_ptr->nx_packet_pool_start = mem;
    pool_ptr->nx_packet_pool_size = (ULONG)(count * slot);
    pool_ptr->nx_packet_pool_id = NX_PACKET_POOL_ID;
    return NX_SUCCESS;
}

UINT nx_packet_pool_delete(NX_PACKET_POOL *pool_ptr)
{
    if (pool_ptr == NX_NULL || pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;
    memset(pool_ptr, 0, sizeof(*pool_ptr));
    return NX_SUCCESS;
}

NX_PACKET *pop3_nx_packet_alloc(NX_PACKET_POOL *pool)
{
    NX_PACKET *p;

    if (pool == NX_NULL || pool->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_NULL;
    p = pool->nx_packet_pool_available_list;
    if (p == NX_NULL) {
        pool->nx_packet_pool_empty_requests++;
        return NX_NULL;
    }
    pool->nx_packet_pool_available_list = p->nx_packet_queue_next;
    pool->nx_packet_pool_available--;
    p->nx_packet_queue_next = NX_NULL;
    p->nx_packet_next = NX_NULL;
    p->nx_packet_last = NX_NULL;
    p->nx_packet_length = 0;
    p->nx_packet_prepend_ptr = p->nx_packet_data_start;
    p->nx_packet_append_ptr = p->nx_packet_data_start;
    p->nx_packet_in_use = 1;
    return p;
}

UINT nx_packet_allocate(NX_PACKET_POOL *pool_ptr, NX_PACKET **packet_ptr,
                        ULONG packet_type, ULONG wait_option)
{
    (void)packet_type;
    (void)wait_option;
    if (packet_ptr == NX_NULL)
        return NX_PTR_ERROR;
    *packet_ptr = NX_NULL;
    if (pool_ptr == NX_NULL || pool_ptr->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;
    *packet_ptr = pop3_nx_packet_alloc(pool_ptr);
    return *packet_ptr != NX_NULL ? NX_SUCCESS : NX_NO_PACKET;
}

/* The packet lies at a slot boundary inside its pool and is in use. */
static int packet_valid(const NX_PACKET *p)
{
    const NX_PACKET_POOL *pool = p->nx_packet_pool_owner;
    const UCHAR *a = (const UCHAR *)p;
    size_t slot;

    if (pool == NX_NULL || pool->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return 0;
    if (a < pool->nx_packet_pool_start ||
        a >= pool->nx_packet_pool_start + pool->nx_packet_pool_size)
        return 0;
    slot = ALIGN_UP(sizeof(NX_PACKET)) + ALIGN_UP((size_t)pool->nx_packet_pool_payload_size);
    if ((size_t)(a - pool->nx_packet_pool_start) % slot != 0)
        return 0;
    return p->nx_packet_in_use == 1;
}

UINT nx_packet_release(NX_PACKET *packet_ptr)
{
    NX_PACKET *p, *next;

    if (packet_ptr == NX_NULL)
        return NX_PTR_ERROR;
    for (p = packet_ptr; p != NX_NULL; p = p->nx_packet_next)
        if (!packet_valid(p))
            return NX_PTR_ERROR;
    for (p = packet_ptr; p != NX_NULL; p = next) {
        NX_PACKET_POOL *pool = p->nx_packet_pool_owner;

        next = p->nx_packet_next;
        p->nx_packet_in_use = 0;
        p->nx_packet_next = NX_NULL;
        p->nx_packet_length = 0;
        p->nx_packet_prepend_ptr = p->nx_packet_data_start;
        p->nx_packet_append_ptr = p->nx_packet_data_start;
        p->nx_packet_queue_next = pool->nx_packet_pool_available_list;
        pool->nx_packet_pool_available_list = p;
        pool->nx_packet_pool_available++;
    }
    return NX_SUCCESS;
}

UINT nx_packet_data_retrieve(NX_PACKET *packet_ptr, VOID *buffer_start,
                             ULONG *bytes_copied)
{
    UCHAR *out = (UCHAR *)buffer_start;
    ULONG n = 0;
    NX_PACKET *p;

    if (packet_ptr == NX_NULL || buffer_start == NX_NULL || bytes_copied == NX_NULL)
        return NX_PTR_ERROR;
    for (p = packet_ptr; p != NX_NULL; p = p->nx_packet_next) {
        size_t len = (size_t)(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr);

        memcpy(out + n, p->nx_packet_prepend_ptr, len);
        n += (ULONG)len;
    }
    *bytes_copied = n;
    return NX_SUCCESS;
}
