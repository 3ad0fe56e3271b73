# The Internet checksum (RFC 1071), for the frames that the end-to-end
# tests build by hand (tests/e2e/lib.sh: send_frames, send_segments).
import struct


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
