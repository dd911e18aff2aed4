package io.reconflow.operators;

import io.reconflow.events.Reject;
import io.reconflow.domain.feed.Sha256;
import io.reconflow.domain.feed.Texts;


/**
 * Bounds on what one reject stores, whatever it came from: a message of at most
 * {@value #MAX_MESSAGE_CHARS} characters, and the raw record's first {@value #MAX_RAW_CHARS}
 * characters with a flag and the SHA-256 of the whole, so that a tiny hostile input cannot make a
 * huge reject, and a cut one can still be told apart and checked.
 */
public final class RejectTexts {
    public static final int MAX_MESSAGE_CHARS = 1024;
    public static final int MAX_RAW_CHARS = 65_536;

    private RejectTexts() {}

    public static String message(String m) {
        if (m == null || m.length() <= MAX_MESSAGE_CHARS) {
            return m;
        }
        return Texts.cut(m, MAX_MESSAGE_CHARS - 1) + "…";
    }

    /** Sets {@code raw}, {@code raw_truncated} and {@code raw_sha256} of the reject from the record's whole text. */
    public static Reject.Builder raw(Reject.Builder b, String raw) {
        if (raw == null) {
            return b.setRaw(null).setRawTruncated(null).setRawSha256(null);
        }
        String kept = Texts.cut(raw, MAX_RAW_CHARS);
        return b.setRaw(kept).setRawTruncated(kept.length() < raw.length()).setRawSha256(Sha256.hex(raw));
    }

}
