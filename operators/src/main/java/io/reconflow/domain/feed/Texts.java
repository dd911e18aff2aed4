package io.reconflow.domain.feed;

/** Bounded renderings of values that may be arbitrarily long, for messages. */
public final class Texts {
    /** Most characters of a value quoted in a message. */
    public static final int MAX_QUOTED = 100;

    private Texts() {}

    /** {@code s}, or its first {@value #MAX_QUOTED} characters and how long it was. */
    public static String abbreviate(String s) {
        if (s == null || s.length() <= MAX_QUOTED) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(MAX_QUOTED - 1)) ? MAX_QUOTED - 1 : MAX_QUOTED;
        return s.substring(0, end) + "…(" + s.length() + " characters)";
    }

    /** {@code s} cut to at most {@code max} characters, never between the two halves of a surrogate pair. */
    public static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = max > 0 && Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }

    /**
     * Whether the exponent written from {@code from} in {@code text} (an optional sign, then digits)
     * is at most {@code max} in magnitude; read without converting more than a few digits.
     */
    public static boolean exponentWithin(String text, int from, int max) {
        int i = from;
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        while (i < text.length() - 1 && text.charAt(i) == '0') {
            i++;
        }
        int digits = text.length() - i;
        if (digits == 0 || digits > 9) {
            return digits == 0;
        }
        for (int k = i; k < text.length(); k++) {
            if (text.charAt(k) < '0' || text.charAt(k) > '9') {
                return false;
            }
        }
        return Integer.parseInt(text, i, text.length(), 10) <= max;
    }
}
