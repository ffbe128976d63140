#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkseeds.py - write the seed corpora of the fuzz targets (tests/fuzz/corpus/).

    python3 tests/fuzz/mkseeds.py

Seeds are small real transcripts (RFC 1939 examples, Dovecot-style replies)
with the header each target expects (see the comment at the top of each
fuzz_*.c). The corpus directories also hold inputs that long fuzzing runs
found to raise coverage (merged with -merge=1); this script only (re)writes
the named seeds below and leaves those alone.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))

GREET = b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
BODY = (b"Subject: test\r\nFrom: a@example.org\r\n\r\n"
        b"..stuffed dot\r\nline\r\n.\r\n")

# fuzz_client: [0] queue, [1] transport/end flags, [2] split seed,
# [3] pre action, [4..19] action per non-data event, then server octets.
def client(qlen, tflags, seed, pre, acts, transcript):
    acts = (acts + [0] * 16)[:16]
    return bytes([qlen, tflags, seed, pre] + acts) + transcript

USER, APOP, CAPA, STAT, QUIT, RSET, NOOP = 0x02, 0x03, 0x01, 0x04, 0x0C, 0x0A, 0x0B
def LIST(n): return (n << 4) | 5
def UIDL(n): return (n << 4) | 6
def RETR(n): return (n << 4) | 7
def TOP(n): return (n << 4) | 8
def DELE(n): return (n << 4) | 9
def LISTRETR(n): return (n << 4) | 15

CLIENT = {
    "user_stat_list_retr_dele_quit": client(
        4, 0, 1, 0,
        [USER, 0, STAT, LIST(0), 0, 0, 0, RETR(1), 0, DELE(1), QUIT],
        GREET + b"+OK\r\n+OK logged in\r\n+OK 2 320\r\n"
        b"+OK 2 messages\r\n1 120\r\n2 200\r\n.\r\n"
        b"+OK 120 octets\r\n" + BODY + b"+OK deleted\r\n+OK bye\r\n"),
    "capa_pipelining_apop_uidl_top": client(
        6, 0x03, 2, 0,
        [CAPA, 0, 0, 0, 0, 0, APOP, UIDL(0), 0, 0, TOP(1), 0, LISTRETR(2), 0, 0, 0],
        GREET + b"+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\n"
        b"PIPELINING\r\nRESP-CODES\r\nSASL PLAIN LOGIN\r\n.\r\n"
        b"+OK Logged in.\r\n+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n"
        b"2 QhdPYR:00WBw1Ph7x7\r\n.\r\n+OK\r\nSubject: top\r\n\r\nfirst\r\n.\r\n"
        b"+OK 1 messages\r\n1 40\r\n.\r\n+OK\r\nhello\r\n.\r\n"),
    "greeting_in_use": client(
        2, 0, 3, 0, [USER],
        b"-ERR [IN-USE] mailbox locked\r\n"),
    "user_refused": client(
        2, 0x08, 4, 0, [USER, 0, 0, QUIT],
        GREET + b"-ERR [AUTH] no such user\r\n+OK bye\r\n"),
    "list_n_uidl_n_noop_rset": client(
        4, 0x01, 5, 0,
        [USER, 0, LIST(1), UIDL(1), NOOP, RSET, QUIT],
        GREET + b"+OK\r\n+OK\r\n+OK 1 512\r\n+OK 1 abc\r\n+OK\r\n+OK\r\n+OK\r\n"),
    "truncated_retr": client(
        4, 0x08, 6, 0, [USER, 0, RETR(1)],
        GREET + b"+OK\r\n+OK\r\n+OK\r\nSubject: cut\r\n\r\nhalf a li"),
    "bad_stat": client(
        4, 0, 7, 0, [USER, 0, STAT],
        GREET + b"+OK\r\n+OK\r\n+OK 99999999999999999999 -1\r\n"),
}

# fuzz_reply: [0] line size, [1] modes (2 bits per reply: 0 status,
# 1 lines, 2 body), [2] split seed, then octets.
REPLY = {
    "status_lines_body": bytes([230, 0b00100100, 1]) + GREET +
        b"+OK\r\n1 120\r\n2 200\r\n.\r\n+OK\r\n" + BODY,
    "body_bare_lf": bytes([230, 0b10101010, 2]) + b"a\n.b\n..\n.\n",
    "long_line": bytes([10, 0, 3]) + b"+OK " + b"x" * 40 + b"\r\n",
    "nul_in_line": bytes([230, 0b01010101, 4]) + b"+OK\r\nab\x00c\r\n.\r\n",
    "dot_cr_split": bytes([230, 0b10101010, 5]) + b".\rX\r\n.\r\n",
}

ARGS = {
    "url_user_pass_msg": b"pop3://alice:secret@127.0.0.1:110/1",
    "list_ipv6": b"-v\x00--list\x00pop3://u:p@[::1]:995",
    "top_pct": b"--top=1:5\x00pop3://a%40b:p%3Ass@host",
    "maildir_delete": b"--maildir\x00/tmp/x\x00--delete\x00-u\x00bob\x00pop3://:pw@h",
    "timeout_apop": b"--timeout=30\x00--apop\x00-4\x00--\x00pop3://x:y@localhost:1100",
}

# fuzz_sasl: [0] mechanism (0 PLAIN, 1 LOGIN, 2 CRAM-MD5, 3 XOAUTH2,
# 4 OAUTHBEARER), [1] step | 0x80 if the initial response went out,
# [2] output room (0xc0: 1024), then the text after "+ ".
SASL = {
    "cram_md5_rfc2195": b"\x02\x00\xc0PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+",
    "login_username": b"\x01\x00\xc0VXNlcm5hbWU6",
    "login_password": b"\x01\x01\xc0UGFzc3dvcmQ6",
    "plain_empty": b"\x00\x00\xc0",
    "oauthbearer_error": b"\x04\x81\xc0eyJzdGF0dXMiOiI0MDEifQ==",
    "xoauth2_small_room": b"\x03\x81\x20eyJzdGF0dXMiOiI0MDEifQ==",
}
CLIENT["auth_cram_md5"] = client(
    4, 0, 8, 0, [0x30, 0, STAT, QUIT],
    GREET + b"+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"
    b"+OK\r\n+OK 0 0\r\n+OK\r\n")
CLIENT["auth_login"] = client(
    4, 1, 9, 0, [0x20, 0, QUIT],
    GREET + b"+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK\r\n+OK\r\n")

# fuzz_nx: [0] packet payload (32 + 16 * (b & 63)), [1] flags (1 APOP,
# 2 delete each message, 4 keep one packet), [2] receive piece seed.
NX_SESSION = (GREET + b"+OK\r\n+OK\r\n+OK 2 320\r\n+OK 1 120\r\n"
              b"+OK 120 octets\r\n" + BODY + b"+OK\r\n+OK 2 200\r\n+OK\r\n"
              + b"x" * 150 + b"\r\n..y\r\n.\r\n+OK\r\n+OK bye\r\n")
NX = {
    "user_two_messages_delete": bytes([0, 2, 1]) + NX_SESSION,
    "apop_keep_packet": bytes([5, 5, 2]) + NX_SESSION.replace(b"+OK\r\n+OK\r\n+OK 2", b"+OK\r\n+OK 2", 1),
    "apop_refused_fallback": bytes([1, 1, 3]) + GREET + b"-ERR [AUTH] no\r\n+OK\r\n+OK\r\n+OK 0 0\r\n+OK\r\n",
    "cut_in_body": bytes([2, 0, 4]) + GREET + b"+OK\r\n+OK\r\n+OK 1 99\r\n+OK 1 99\r\n+OK\r\nhalf",
}

for target, seeds in (("client", CLIENT), ("reply", REPLY),
                      ("pop3get_args", ARGS), ("sasl", SASL), ("nx", NX)):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, "seed_" + name), "wb") as f:
            f.write(data)
