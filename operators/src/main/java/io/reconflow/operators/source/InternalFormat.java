package io.reconflow.operators.source;

/** The file formats our own books can be exported in. */
public enum InternalFormat {
    /** CSV with a header row naming the feed's fields; an empty cell is an absent value. */
    CSV,
    /** JSON Lines: one JSON object per line. */
    JSONL,
    /** Parquet with the feed's fields and types. */
    PARQUET;

    public static InternalFormat of(String name) {
        for (InternalFormat f : values()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "'; one of csv, jsonl, parquet");
    }
}
