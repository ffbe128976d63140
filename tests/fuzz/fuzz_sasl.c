/* SPDX-License-Identifier: MIT */
/* fuzz_sasl.c - libFuzzer target: SASL challenge handling and base64
 * (src/core/pop3_auth.c).
 *
 * Input: [0] mechanism (one of the five POP3_SASL_* bits), [1] step (low
 * two bits) and "initial response sent" (bit 7), [2] size of the output
 * buffer; the rest is the text a server put after "+ " (any octets).
 * Checked: pop3_auth_response() writes within the buffer and produces one
 * line (CRLF at the end, no CR, LF or NUL before it), never mentions the
 * secret in clear for a mechanism that must not (CRAM-MD5 sends a digest);
 * pop3_b64_decode() never writes past its capacity, and whatever it accepts
 * encodes back to exactly the same text (the decoder is strict: RFC 4648
 * sec. 3.5, canonical padding only).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_auth.h"

#define USER "alice"
#define PASS "hunter2-pw"
#define HOST "pop.example.org"
#define PORT 995

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t out[1024], dec[1024];
    static char enc[2048];
    unsigned mech, step;
    int ir_sent, is_secret = 0;
    size_t room, n, i, dlen, cap, elen;
    char *ch;

    if (size < 3)
        return 0;
    mech = 1u << (data[0] % 5u);
    step = data[1] & 3u;
    ir_sent = (data[1] >> 7) & 1;
    room = data[2] < 128 ? data[2] : data[2] < 192 ? POP3_CMD_MAX : sizeof(out);
    data += 3;
    size -= 3;

    /* The challenge: a NUL-terminated heap copy, decoded in place. */
    ch = malloc(size + 1);
    memcpy(ch, data, size);
    ch[size] = '\0';
    memset(out, 0xA5, sizeof(out));
    n = pop3_auth_response(out, room, mech, step, ir_sent, USER, PASS, HOST, PORT, ch,
                           &is_secret);
    if (n > room)
        abort();
    for (i = room; i < sizeof(out); i++)
        if (out[i] != 0xA5)
            abort(); /* wrote past the room it was given */
    if (n > 0) {
        if (n < 2 || out[n - 2] != '\r' || out[n - 1] != '\n')
            abort();
        for (i = 0; i + 2 < n; i++)
            if (out[i] == '\r' || out[i] == '\n' || out[i] == '\0')
                abort(); /* one line, no injected command */
        for (i = 0; mech == POP3_SASL_CRAM_MD5 && i + strlen(PASS) <= n; i++)
            if (memcmp(out + i, PASS, strlen(PASS)) == 0)
                abort();
    }
    free(ch);

    /* base64: strict decode, and what it accepts is canonical. */
    cap = size % 97u;
    memset(dec, 0xA5, sizeof(dec));
    if (pop3_b64_decode((const char *)data, size, dec, cap, &dlen) == 0) {
        if (dlen > cap)
            abort();
        elen = pop3_b64_encode(dec, dlen, enc, sizeof(enc));
        if (dlen > 0 && (elen != size || memcmp(enc, data, size) != 0))
            abort();
    }
    for (i = cap; i < sizeof(dec); i++)
        if (dec[i] != 0xA5)
            abort();
    return 0;
}
