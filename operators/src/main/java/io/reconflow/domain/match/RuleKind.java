package io.reconflow.domain.match;

/** How one field of our record is compared with the counterparty's. Tolerances are inclusive. */
public enum RuleKind {
    /** The values are equal (decimals by value: 12.5 equals 12.500). */
    EQUAL("equal"),
    /** The counterparty's value is the opposite of ours (BUY against SELL). */
    OPPOSITE("opposite"),
    /** |ours - theirs| <= tolerance. */
    ABS_TOLERANCE("abs_tolerance"),
    /** |ours - theirs| <= tolerance * |ours|. */
    REL_TOLERANCE("rel_tolerance"),
    /** Instants or dates no further apart than the window. */
    TIME_WINDOW("time_window");

    private final String key;

    RuleKind(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public static RuleKind of(String key) {
        for (RuleKind k : values()) {
            if (k.key.equals(key)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown rule '" + key + "'; one of equal, opposite, abs_tolerance, rel_tolerance, time_window");
    }
}
