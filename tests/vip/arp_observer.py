"""Runs inside the client's network namespace: asks who has the VIP every `interval` seconds with a raw ARP request
and prints, for every window, the distinct MACs that answered (and those that announced the VIP unasked: gratuitous
requests or unsolicited replies), as JSON lines on stdout, until `duration` ends.

    python3 arp_observer.py IFACE VIP DURATION [INTERVAL]

Needs CAP_NET_RAW (the test runs it as root in the namespace it made)."""

import json
import socket
import struct
import sys
import time


def main():
    interface, vip, duration = sys.argv[1], sys.argv[2], float(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    sock.bind((interface, 0))
    sock.settimeout(interval)
    mac = sock.getsockname()[4]
    with open(f"/sys/class/net/{interface}/address") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    my_ip = socket.inet_aton(sys.argv[5]) if len(sys.argv) > 5 else b"\0\0\0\0"
    target = socket.inet_aton(vip)
    request = (b"\xff" * 6 + mac + b"\x08\x06" + struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + mac + my_ip
               + b"\0" * 6 + target)
    end = time.monotonic() + duration
    while time.monotonic() < end:
        sent = time.monotonic()
        sock.send(request)
        seen = set()
        gratuitous = set()
        while time.monotonic() - sent < interval:
            try:
                frame = sock.recv(128)
            except socket.timeout:
                break
            if len(frame) < 42 or frame[12:14] != b"\x08\x06" or frame[28:32] != target:
                continue
            operation = struct.unpack("!H", frame[20:22])[0]
            if operation == 2:
                seen.add(frame[22:28].hex(":"))
                if frame[38:42] == target:
                    # An unsolicited reply (`arping -A`, the seed's announcement): sender = target = VIP.
                    gratuitous.add(frame[22:28].hex(":"))
            elif operation == 1 and frame[38:42] == target:
                # A gratuitous ARP: the holder announces the address (sender = target = VIP).
                gratuitous.add(frame[22:28].hex(":"))
        print(json.dumps({"t": time.time(), "macs": sorted(seen), "gratuitous": sorted(gratuitous)}), flush=True)


if __name__ == "__main__":
    main()
