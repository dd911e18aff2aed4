package io.reconflow.operators.source;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * The physical lines of a byte stream, split at {@code \n} (a {@code \r} before it stays in the
 * line), numbered from 1. Bytes, not characters: a line is decoded only once it is whole, so one
 * line that is not UTF-8 spoils nothing else. A line longer than the cap is skipped to its end
 * without being kept. Lines can be pushed back to be read again (CSV recovery).
 */
final class ByteLines {
    /** One line: its bytes without the {@code \n}, or null when it was longer than the cap. */
    record Line(long number, byte[] bytes) {
        boolean overlong() {
            return bytes == null;
        }

        int length() {
            return bytes == null ? 0 : bytes.length;
        }
    }

    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[64 * 1024];
    private final ArrayDeque<Line> pushedBack = new ArrayDeque<>();
    private int pos;
    private int end;
    private long number;
    private byte[] line = new byte[256];

    ByteLines(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line that is not blank (an overlong one counts: its content was never read), or null at the end. */
    Line nextNonBlank() throws IOException {
        Line line;
        do {
            line = next();
            if (line == null) {
                return null;
            }
        } while (!line.overlong() && blank(line.bytes()));
        return line;
    }

    /** The next line, or null at the end of the stream. */
    Line next() throws IOException {
        if (!pushedBack.isEmpty()) {
            return pushedBack.pollFirst();
        }
        int length = 0;
        boolean overlong = false;
        boolean any = false;
        while (true) {
            if (pos == end) {
                end = in.read(chunk, 0, chunk.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    break;
                }
            }
            any = true;
            int newline = -1;
            for (int i = pos; i < end; i++) {
                if (chunk[i] == '\n') {
                    newline = i;
                    break;
                }
            }
            int stop = newline < 0 ? end : newline;
            int n = stop - pos;
            if (!overlong && length + n > maxLineBytes) {
                overlong = true;
            }
            if (!overlong) {
                if (length + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
                }
                System.arraycopy(chunk, pos, line, length, n);
                length += n;
            }
            pos = newline < 0 ? end : newline + 1;
            if (newline >= 0) {
                break;
            }
        }
        if (!any) {
            return null;
        }
        number++;
        return new Line(number, overlong ? null : Arrays.copyOf(line, length));
    }

    /** Makes {@code lines} the next ones {@link #next()} returns, in their order. */
    void pushBack(List<Line> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            pushedBack.addFirst(lines.get(i));
        }
    }

    /** True when the bytes hold nothing but spaces, tabs and a carriage return. */
    static boolean blank(byte[] bytes) {
        for (byte b : bytes) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    /** The bytes without one trailing {@code \r} (of a CRLF line end) and, on line 1, a UTF-8 byte order mark. */
    static int[] content(Line line) {
        byte[] b = line.bytes();
        int from = line.number() == 1 && b.length >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF ? 3 : 0;
        int to = b.length > from && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        return new int[] {from, to};
    }
}
