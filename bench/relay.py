#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""relay.py - a TCP relay on 127.0.0.1 that delays every octet.

    relay.py LISTEN_PORT_FILE TARGET_PORT [DELAY_MS]

Listens on 127.0.0.1 on a free port (written to LISTEN_PORT_FILE once it
accepts), connects each client to 127.0.0.1:TARGET_PORT and forwards both
ways, holding each chunk DELAY_MS (default 10) before writing it on: a
round trip through the relay costs 2 x DELAY_MS more than a direct one. The
order of octets is kept; bandwidth is not limited. It only ever talks to
127.0.0.1 and runs until killed (SIGTERM).
"""

import asyncio
import collections
import os
import signal
import socket
import sys
import time


async def pump(reader, writer, delay):
    """Read chunks, stamp them, write each one once it is DELAY old."""
    queue = collections.deque()
    arrived = asyncio.Event()
    done = False

    async def sender():
        while True:
            while not queue:
                if done:
                    return
                arrived.clear()
                await arrived.wait()
            due, data = queue[0]
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            queue.popleft()
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except OSError:
            pass

    task = asyncio.ensure_future(sender())
    try:
        while True:
            data = await reader.read(262144)
            queue.append((time.monotonic() + delay, data or None))
            arrived.set()
            if not data:
                break
    except OSError:
        queue.append((time.monotonic() + delay, None))
        arrived.set()
    done = True
    arrived.set()
    try:
        await task
    except OSError:
        pass


async def main():
    port_file, target = sys.argv[1], int(sys.argv[2])
    delay = (float(sys.argv[3]) if len(sys.argv) > 3 else 10.0) / 1000.0

    async def handle(cr, cw):
        try:
            sr, sw = await asyncio.open_connection("127.0.0.1", target)
        except OSError:
            cw.close()
            return
        for w in (cw, sw):
            s = w.get_extra_info("socket")
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        await asyncio.gather(pump(cr, sw, delay), pump(sr, cw, delay),
                             return_exceptions=True)
        for w in (cw, sw):
            w.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
