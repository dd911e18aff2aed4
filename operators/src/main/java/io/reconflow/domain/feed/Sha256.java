package io.reconflow.domain.feed;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The lower-case hex SHA-256 of a text in UTF-8: the one hash of keys, raw records and ledger rows. */
public final class Sha256 {
    // One digest per thread: hashing is on the per-record path, and a MessageDigest is not thread-safe.
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);

    private Sha256() {}

    public static String hex(String text) {
        return HexFormat.of().formatHex(digest(text));
    }

    /** The 32 bytes of the SHA-256 of a text in UTF-8. */
    public static byte[] digest(String text) {
        return DIGEST.get().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
