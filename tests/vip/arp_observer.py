"""Runs inside the client's network namespace: asks who has the VIP every `interval` seconds with a raw ARP request
(for an IPv6 VIP: a neighbour solicitation) and prints, for every window, the distinct MACs that answered (and those
that announced the VIP unasked: gratuitous requests or unsolicited replies; unsolicited neighbour advertisements), as
JSON lines on stdout, until `duration` ends.

    python3 arp_observer.py IFACE VIP DURATION [INTERVAL] [MY-ADDRESS]

Needs CAP_NET_RAW (the test runs it as root in the namespace it made)."""

import json
import socket
import struct
import sys
import time


def main():
    interface, vip, duration = sys.argv[1], sys.argv[2], float(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    if ":" in vip:
        observe_ndp(interface, vip, duration, interval, sys.argv[5])
        return
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
    sock.bind((interface, 0))
    sock.settimeout(interval)
    # The bound socket's own address is the interface's MAC (a namespace may show another network's /sys).
    mac = sock.getsockname()[4]
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


def icmp6_checksum(source, destination, payload):
    pseudo = source + destination + struct.pack("!I3xB", len(payload), 58) + payload
    if len(pseudo) % 2:
        pseudo += b"\0"
    total = sum(struct.unpack(f"!{len(pseudo) // 2}H", pseudo))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def observe_ndp(interface, vip, duration, interval, my_address):
    """The same windows for IPv6: a neighbour solicitation for the VIP to its solicited-node group; advertisements
    for it are answers, those without the Solicited flag are announcements."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86DD))
    sock.bind((interface, 0))
    sock.settimeout(interval)
    mac = sock.getsockname()[4]
    target = socket.inet_pton(socket.AF_INET6, vip)
    source = socket.inet_pton(socket.AF_INET6, my_address)
    group = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")[:13] + target[13:]
    body = struct.pack("!BBHI", 135, 0, 0, 0) + target + struct.pack("!BB", 1, 1) + mac
    body = body[:2] + struct.pack("!H", icmp6_checksum(source, group, body)) + body[4:]
    ipv6 = struct.pack("!IHBB", 6 << 28, len(body), 58, 255) + source + group
    request = b"\x33\x33" + group[12:] + mac + b"\x86\xdd" + ipv6 + body
    end = time.monotonic() + duration
    while time.monotonic() < end:
        sent = time.monotonic()
        sock.send(request)
        seen = set()
        unsolicited = set()
        while time.monotonic() - sent < interval:
            try:
                frame = sock.recv(256)
            except socket.timeout:
                break
            # Ethernet (14) + IPv6 (40, next header ICMPv6) + advertisement (type 136, flags, target at +8).
            if len(frame) < 78 or frame[12:14] != b"\x86\xdd" or frame[20] != 58 or frame[54] != 136:
                continue
            if frame[62:78] != target:
                continue
            sender = frame[6:12].hex(":")
            seen.add(sender)
            if not frame[58] & 0x40:
                unsolicited.add(sender)
        print(json.dumps({"t": time.time(), "macs": sorted(seen), "gratuitous": sorted(unsolicited)}), flush=True)


if __name__ == "__main__":
    main()
