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

    // What each byte is outside a string; one table look-up instead of a chain of comparisons.
    private static final byte INVALID = 0;
    private static final byte BARE = 1;
    private static final byte QUOTE = 2;
    private static final byte OPEN_BRACE = 3;
    private static final byte OPEN_BRACKET = 4;
    private static final byte CLOSE_BRACE = 5;
    private static final byte CLOSE_BRACKET = 6;
    private static final byte COMMA = 7;
    private static final byte[] CLASS = new byte[256];

    static {
        for (int b = 0; b < 128; b++) {
            CLASS[b] = isBare((byte) b) ? BARE : INVALID;
        }
        CLASS['"'] = QUOTE;
        CLASS['{'] = OPEN_BRACE;
        CLASS['['] = OPEN_BRACKET;
        CLASS['}'] = CLOSE_BRACE;
        CLASS[']'] = CLOSE_BRACKET;
        CLASS[','] = COMMA;
    }

    private final Brackets open = new Brackets();
    private boolean inString;
    private boolean escaped;
    private boolean started;
    private boolean ended;
    private long offset;
    /** Where the elements of the top-level object's arrays end; null when not asked for or given up. */
    private FramedElements index;
    private boolean inIndexedArray;
    /** The bytes of the current element's strings OR-ed: negative once one is not ASCII. */
    private int high;

    JsonFraming() {}

    /** @param indexed also mark where each element of the top-level object's arrays ends ({@link #index()}) */
    JsonFraming(boolean indexed) {
        this.index = indexed ? new FramedElements() : null;
    }

    /** The marks of the bytes fed so far, or null when none were asked for or there were too many to keep. */
    FramedElements index() {
        return index;
    }

    /**
     * Reads {@code length} more bytes of a body that must be one JSON object, fed in order.
     *
     * @throws FramingException at the first byte that cannot belong to one JSON object
     */
    void feed(byte[] bytes, int from, int length) throws FramingException {
        final int end = from + length;
        // The stream offset of bytes[i] is base + i; the state lives in locals while the loop runs.
        final long base = offset - from;
        boolean inStr = inString;
        boolean esc = escaped;
        boolean inside = started && !ended;
        int h = high;
        int i = from;
        try {
            while (i < end) {
                if (inStr) {
                    if (esc) {
                        esc = false;
                        h |= bytes[i++];
                    }
                    // Most of a body is string content: run to its closing quote in a tight loop.
                    while (i < end) {
                        byte b = bytes[i++];
                        h |= b;
                        if (b == '"') {
                            inStr = false;
                            break;
                        }
                        if (b == '\\') {
                            if (i < end) {
                                h |= bytes[i++];
                            } else {
                                esc = true;
                            }
                        }
                    }
                    continue;
                }
                byte b = bytes[i];
                int c = CLASS[b & 0xFF];
                if (inside && c == BARE) {
                    i++;
                    continue;
                }
                if (inside && c == COMMA) {
                    if (inIndexedArray && open.depth() == 2) {
                        mark(base + i, h);
                        h = 0;
                    }
                    i++;
                    continue;
                }
                if (!inside) {
                    if (ended) {
                        if (!isWhitespace(b)) {
                            throw new FramingException("trailing content after the JSON object at byte " + (base + i));
                        }
                        i++;
                        continue;
                    }
                    if (isWhitespace(b) || (base + i < 3 && isBom(b, base + i))) {
                        i++;
                        continue;
                    }
                    if (b != '{') {
                        throw new FramingException("the body is not a JSON object");
                    }
                    started = true;
                    inside = true;
                }
                switch (c) {
                    case QUOTE -> inStr = true;
                    case OPEN_BRACE, OPEN_BRACKET -> {
                        if (c == OPEN_BRACKET && open.depth() == 1 && index != null) {
                            if (index.start(base + i)) {
                                inIndexedArray = true;
                                h = 0;
                            } else {
                                index = null;
                            }
                        }
                        open.push(c == OPEN_BRACE);
                    }
                    case CLOSE_BRACE, CLOSE_BRACKET -> {
                        if (open.depth() == 0 || open.pop() != (c == CLOSE_BRACE)) {
                            throw new FramingException("unmatched '" + (char) b + "' at byte " + (base + i));
                        }
                        if (inIndexedArray && open.depth() == 1) {
                            mark(base + i, h);
                            inIndexedArray = false;
                        }
                        if (open.depth() == 0) {
                            ended = true;
                            inside = false;
                        }
                    }
                    default -> throw new FramingException(describe(b) + " outside a string at byte " + (base + i));
                }
                i++;
            }
        } finally {
            inString = inStr;
            escaped = esc;
            high = h;
            offset = base + i;
        }
    }

    /** Marks the end of an element of an indexed array; gives the index up when it grows past its bound. */
    private void mark(long at, int h) {
        if (index != null && !index.end(at, h < 0)) {
            index = null;
            inIndexedArray = false;
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
        return (int) valueSpan(body, start, limit);
    }

    /** Set in {@link #valueSpan}'s answer when the value holds a byte above 0x7F. */
    static final long NON_ASCII = 1L << 32;

    /**
     * As {@link #valueEnd}, in the low 32 bits, with {@link #NON_ASCII} set when a byte of the value
     * is not ASCII: one pass finds where a record ends and whether its text is plain ASCII.
     */
    static long valueSpan(byte[] body, int start, int limit) throws FramingException {
        Brackets brackets = null;
        int depth = 0;
        int high = 0;
        int lastContent = -1;
        int i = start;
        while (i < limit) {
            byte b = body[i];
            int c = CLASS[b & 0xFF];
            if (c == QUOTE) {
                // The string's content in a tight loop; its bytes' top bits collected on the way.
                i++;
                while (true) {
                    if (i >= limit) {
                        throw new FramingException("cut short: a value starting at byte " + start + " does not end");
                    }
                    byte s = body[i++];
                    high |= s;
                    if (s == '"') {
                        break;
                    }
                    if (s == '\\' && i < limit) {
                        high |= body[i++];
                    }
                }
                lastContent = i - 1;
                continue;
            }
            switch (c) {
                case BARE -> {
                    if (!isWhitespace(b)) {
                        lastContent = i;
                    }
                }
                case OPEN_BRACE, OPEN_BRACKET -> {
                    if (brackets == null) {
                        brackets = new Brackets();
                    }
                    brackets.push(c == OPEN_BRACE);
                    depth++;
                    lastContent = i;
                }
                case CLOSE_BRACE, CLOSE_BRACKET, COMMA -> {
                    if (depth == 0) {
                        if (lastContent < 0) {
                            throw new FramingException("empty value at byte " + i);
                        }
                        return (lastContent + 1) | (high < 0 ? NON_ASCII : 0);
                    }
                    if (c != COMMA) {
                        depth--;
                        if (brackets.pop() != (c == CLOSE_BRACE)) {
                            throw new FramingException("unmatched '" + (char) b + "' at byte " + i);
                        }
                    }
                    lastContent = i;
                }
                default -> throw new FramingException(describe(b) + " outside a string at byte " + i);
            }
            i++;
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
