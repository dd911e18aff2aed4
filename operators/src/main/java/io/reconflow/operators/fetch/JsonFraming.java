package io.reconflow.operators.fetch;

import java.util.Arrays;

/**
 * The structure of JSON text and nothing more: strings (with their escapes) and brackets. It knows
 * where a value starts and ends without reading it, so a value holding bytes that are not UTF-8 or
 * raw control characters in a string, a {@code NaN}, a number of a million digits or nesting a
 * million deep is still cut out whole, and judged on its own later. Brackets must match, strings
 * must close, and outside strings only what JSON-like text holds may stand (see {@link #isBare});
 * that is all it requires.
 *
 * <p>Fed incrementally ({@link #feed}) it checks, as a body arrives, that the body is one JSON
 * object and nothing after it; {@link #valueEnd} finds the end of one value in a complete body.
 */
final class JsonFraming {

    /** The bytes are not framed as JSON: an unclosed or unmatched bracket, or no object at all. */
    static final class FramingException extends Exception {
        private static final long serialVersionUID = 1L;

        FramingException(String message) {
            super(message, null, false, false);
        }
    }

    private final Brackets open = new Brackets();
    private boolean inString;
    private boolean escaped;
    private boolean started;
    private boolean ended;
    private long offset;

    /**
     * Reads {@code length} more bytes of a body that must be one JSON object, fed in order.
     *
     * @throws FramingException at the first byte that cannot belong to one JSON object
     */
    void feed(byte[] bytes, int from, int length) throws FramingException {
        for (int i = from, end = from + length; i < end; i++, offset++) {
            byte b = bytes[i];
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
                continue;
            }
            if (ended) {
                if (!isWhitespace(b)) {
                    throw new FramingException("trailing content after the JSON object at byte " + offset);
                }
                continue;
            }
            if (!started) {
                if (isWhitespace(b) || (offset < 3 && isBom(b, offset))) {
                    continue;
                }
                if (b != '{') {
                    throw new FramingException("the body is not a JSON object");
                }
                started = true;
            }
            switch (b) {
                case '"' -> inString = true;
                case '{', '[' -> open.push(b == '{');
                case '}', ']' -> {
                    if (open.depth() == 0 || open.pop() != (b == '}')) {
                        throw new FramingException("unmatched '" + (char) b + "' at byte " + offset);
                    }
                    ended = open.depth() == 0;
                }
                default -> {
                    if (!isBare(b)) {
                        throw new FramingException(describe(b) + " outside a string at byte " + offset);
                    }
                }
            }
        }
    }

    /** Whether the bytes fed so far closed the top-level object. */
    boolean complete() {
        return ended;
    }

    /**
     * The end (exclusive, trailing whitespace left out) of the value that starts at {@code start}:
     * the first {@code ,}, {@code ]} or {@code }} outside any string and bracket after it.
     *
     * @throws FramingException when the value is empty, a bracket does not match, or {@code limit} comes first
     */
    static int valueEnd(byte[] body, int start, int limit) throws FramingException {
        Brackets brackets = new Brackets();
        boolean string = false;
        boolean escape = false;
        int lastContent = -1;
        for (int i = start; i < limit; i++) {
            byte b = body[i];
            if (string) {
                if (escape) {
                    escape = false;
                } else if (b == '\\') {
                    escape = true;
                } else if (b == '"') {
                    string = false;
                    lastContent = i;
                }
                continue;
            }
            switch (b) {
                case '"' -> string = true;
                case '{', '[' -> brackets.push(b == '{');
                case '}', ']', ',' -> {
                    if (brackets.depth() == 0) {
                        if (lastContent < 0) {
                            throw new FramingException("empty value at byte " + i);
                        }
                        return lastContent + 1;
                    }
                    if (b != ',' && brackets.pop() != (b == '}')) {
                        throw new FramingException("unmatched '" + (char) b + "' at byte " + i);
                    }
                }
                default -> {
                    if (!isBare(b)) {
                        throw new FramingException(describe(b) + " outside a string at byte " + i);
                    }
                }
            }
            if (!isWhitespace(b)) {
                lastContent = i;
            }
        }
        throw new FramingException("cut short: a value starting at byte " + start + " does not end");
    }

    /**
     * The end (exclusive) of the string whose opening quote is at {@code start}.
     *
     * @throws FramingException when {@code limit} comes first
     */
    static int stringEnd(byte[] body, int start, int limit) throws FramingException {
        for (int i = start + 1; i < limit; i++) {
            if (body[i] == '\\') {
                i++;
            } else if (body[i] == '"') {
                return i + 1;
            }
        }
        throw new FramingException("cut short: a string starting at byte " + start + " does not end");
    }

    /**
     * Whether the byte may stand outside a string in anything JSON-like: whitespace, {@code :} and {@code ,},
     * number characters and the letters of literals ({@code true}, and also {@code NaN} or
     * {@code Infinity}, which a record may hold and be rejected for alone). Anything else there
     * (markup, a control character, a byte of a multi-byte character) is not JSON at any level.
     */
    private static boolean isBare(byte b) {
        return isWhitespace(b) || b == ':' || b == ',' || (b >= '0' && b <= '9') || b == '-' || b == '+' || b == '.'
                || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
    }

    private static String describe(byte b) {
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "'" : String.format("byte 0x%02X", b & 0xFF);
    }

    static boolean isWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /** A UTF-8 byte order mark, which Jackson also skips. */
    private static boolean isBom(byte b, long at) {
        return (at == 0 && b == (byte) 0xEF) || (at == 1 && b == (byte) 0xBB) || (at == 2 && b == (byte) 0xBF);
    }

    /** Open brackets as one bit each ({@code {} or {@code [}): a million levels take 125 KB. */
    private static final class Brackets {
        private long[] bits = new long[4];
        private int depth;

        void push(boolean brace) {
            if (depth == bits.length * 64) {
                bits = Arrays.copyOf(bits, bits.length * 2);
            }
            if (brace) {
                bits[depth >>> 6] |= 1L << depth;
            } else {
                bits[depth >>> 6] &= ~(1L << depth);
            }
            depth++;
        }

        /** Pops the innermost bracket; true when it was a brace. */
        boolean pop() {
            depth--;
            return (bits[depth >>> 6] & (1L << depth)) != 0;
        }

        int depth() {
            return depth;
        }
    }
}
