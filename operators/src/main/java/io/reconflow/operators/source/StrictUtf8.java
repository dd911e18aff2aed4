package io.reconflow.operators.source;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 decoding that refuses malformed input instead of replacing it with U+FFFD. */
final class StrictUtf8 {
    private StrictUtf8() {}

    /** Bytes that are not UTF-8: where (0-based, from the start of the decoded range) and which. */
    static final class Malformed extends Exception {
        final int offset;
        final String bytes;

        Malformed(int offset, String bytes) {
            super("not UTF-8: " + bytes + " at byte " + (offset + 1), null, false, false);
            this.offset = offset;
            this.bytes = bytes;
        }
    }

    static String decode(byte[] b, int from, int to) throws Malformed {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, from, to - from);
        // UTF-8 never has more chars than bytes.
        CharBuffer out = CharBuffer.allocate(to - from);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            StringBuilder hex = new StringBuilder();
            for (int i = at; i < Math.min(to, at + Math.max(1, result.length())); i++) {
                hex.append(hex.length() == 0 ? "" : " ").append(String.format("0x%02X", b[i] & 0xFF));
            }
            throw new Malformed(at - from, hex.toString());
        }
        return out.flip().toString();
    }
}
