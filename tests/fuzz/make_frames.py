#!/usr/bin/env python3
# Writes the seed frames of tests/fuzz/fuzz_frames into corpus/fuzz_frames:
# one file a frame, its first byte choosing the fuzz target's policy.
# Run again after a change here; the output is committed.
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_frames")
MAC = bytes.fromhex("020000000001") + bytes.fromhex("020000000002")


def v4(s):
    return bytes(int(x) for x in s.split("."))


def v6(prefix, last):
    return bytes.fromhex("20010db8" + prefix.rjust(20, "0") + "%04x" % last)


def tcp(dport, flags=0x02, doff=5):
    return struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, doff << 4, flags, 65535, 0, 0)


def udp(dport, payload=b"x"):
    return struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload


def ipv4(proto, l4, src="192.0.2.1", dst="198.51.100.25", frag=0, ihl=5, tot=None):
    opts = b"\x01" * (ihl * 4 - 20)
    tot = tot if tot is not None else ihl * 4 + len(l4)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, frag, 64, proto, 0, v4(src), v4(dst))
    return hdr + opts + l4


def ipv6(nh, payload, src=v6("", 1), dst=v6("25", 0x25), plen=None):
    plen = len(payload) if plen is None else plen
    return struct.pack("!IHBB16s16s", 0x60000000, plen, nh, 64, src, dst) + payload


def eth(ethertype, l3, tags=()):
    out = MAC
    for tpid in tags:
        out += struct.pack("!HH", tpid, 7)
    return out + struct.pack("!H", ethertype) + l3


def ext(nh, body_len=6, kind="opts"):
    if kind == "frag":
        return struct.pack("!BBHI", nh, 0, body_len, 1)
    if kind == "ah":
        return struct.pack("!BB", nh, 1) + b"\0" * 10
    return struct.pack("!BB", nh, 0) + b"\0" * body_len


FRAMES = {
    "v4_tcp_syn_25": (0, eth(0x0800, ipv4(6, tcp(25)))),
    "v4_tcp_ack_22": (1, eth(0x0800, ipv4(6, tcp(22, flags=0x10)))),
    "v4_udp_53": (1, eth(0x0800, ipv4(17, udp(53), src="198.51.100.9"))),
    "v4_options_tcp": (2, eth(0x0800, ipv4(6, tcp(25), src="203.0.113.7", ihl=7))),
    "v4_fragment": (2, eth(0x0800, ipv4(6, tcp(25), frag=0x0010))),
    "v4_tiny_first_fragment": (1, eth(0x0800, ipv4(6, tcp(25)[:8], frag=0x2000))),
    "v4_padded_udp": (0, eth(0x0800, ipv4(17, udp(53), tot=28)) + b"\0" * 10),
    "v4_icmp": (2, eth(0x0800, ipv4(1, b"\x08\0\0\0\0\0\0\0"))),
    "vlan_v4_tcp": (2, eth(0x0800, ipv4(6, tcp(443)), tags=(0x8100,))),
    "qinq_v6_udp": (2, eth(0x86DD, ipv6(17, udp(443)), tags=(0x88a8, 0x8100))),
    "three_tags": (0, eth(0x0800, ipv4(6, tcp(25)), tags=(0x88a8, 0x8100, 0x8100))),
    "v6_tcp_syn_443": (2, eth(0x86DD, ipv6(6, tcp(443)))),
    "v6_hop_frag_tcp": (1, eth(0x86DD, ipv6(0, ext(44) + ext(6, 0, "frag") + tcp(22)))),
    "v6_later_fragment": (1, eth(0x86DD, ipv6(44, ext(6, 0x0008, "frag") + tcp(22)))),
    "v6_ah_dst_udp": (2, eth(0x86DD, ipv6(51, ext(60, kind="ah") + ext(17) + udp(53)))),
    "v6_jumbo_len0": (0, eth(0x86DD, ipv6(17, udp(53), plen=0))),
    "arp": (0, MAC + b"\x08\x06" + b"\0\x01\x08\0\x06\x04\0\x01" + b"\0" * 20),
    "short": (0, MAC[:10]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, (policy, frame) in FRAMES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(bytes([policy]) + frame)
    return 0


if __name__ == "__main__":
    sys.exit(main())
