package io.reconflow.domain.feed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The lower-case hex SHA-256 of a text in UTF-8: the one hash of keys, raw records and ledger rows. */
public final class Sha256 {
    // One digest per thread: hashing is on the per-record path, and a MessageDigest is not thread-safe.
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);
    // And one byte buffer per thread for ASCII text, which keys nearly always are.
    private static final ThreadLocal<byte[][]> ASCII = ThreadLocal.withInitial(() -> new byte[][] {new byte[512]});

    private Sha256() {}

    public static String hex(String text) {
        return HexFormat.of().formatHex(digest(text));
    }

    /** The 32 bytes of the SHA-256 of a text in UTF-8. */
    public static byte[] digest(String text) {
        return DIGEST.get().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #hex(String)} of a text being built, without copying it into a String when it is ASCII. */
    public static String hex(CharSequence text) {
        return HexFormat.of().formatHex(digest(text));
    }

    /** {@link #digest(String)} of a text being built, without copying it into a String when it is ASCII. */
    public static byte[] digest(CharSequence text) {
        int n = text.length();
        byte[][] holder = ASCII.get();
        if (holder[0].length < n) {
            holder[0] = new byte[Math.max(n, 2 * holder[0].length)];
        }
        byte[] bytes = holder[0];
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                return digest(text.toString());
            }
            bytes[i] = (byte) c;
        }
        MessageDigest md = DIGEST.get();
        md.update(bytes, 0, n);
        return md.digest();
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
