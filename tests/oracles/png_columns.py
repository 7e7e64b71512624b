"""An independent PNG reader (Python's zlib and struct, nothing of SkiaSharp's): prints the image's size and, for each
of N equal horizontal bands below a top margin, how many pixel columns hold a saturated (coloured) pixel, as JSON.
Axes, grid and text are grey or black; the curves are coloured, so a band whose count is small has no curve in it.

    python3 png_columns.py FILE BANDS [TOP]
"""
import json
import struct
import sys
import zlib


def read_png(path):
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG signature')
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if zlib.crc32(kind + body) != struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])[0]:
            raise ValueError('bad CRC in chunk %r' % kind)
        if kind == b'IHDR':
            header = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        elif kind == b'IEND':
            break
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace:
        raise ValueError('unsupported PNG: depth %d, colour type %d, interlace %d' % (depth, color, interlace))
    channels = 4 if color == 6 else 3
    raw = zlib.decompress(b''.join(idat))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 255
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + previous[i]) & 255
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b = previous[i]
                c = previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif kind != 0:
            raise ValueError('unknown filter %d' % kind)
        rows.append(line)
        previous = line
    return width, height, channels, rows


def main():
    path, bands = sys.argv[1], int(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    width, height, channels, rows = read_png(path)
    band_height = (height - top) // bands
    counts = []
    for band in range(bands):
        columns = set()
        for y in range(top + band * band_height, top + (band + 1) * band_height):
            row = rows[y]
            for x in range(width):
                r, g, b = row[x * channels], row[x * channels + 1], row[x * channels + 2]
                if max(r, g, b) - min(r, g, b) > 60:
                    columns.add(x)
        counts.append(len(columns))
    print(json.dumps({'width': width, 'height': height, 'columns': counts}))


main()
