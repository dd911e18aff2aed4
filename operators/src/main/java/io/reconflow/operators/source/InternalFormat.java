package io.reconflow.operators.source;

/** The file formats our own books can be exported in. */
public enum InternalFormat {
    /** CSV with a header row naming the feed's fields; an empty cell is an absent value. */
    CSV,
    /** JSON Lines: one JSON object per line. */
    JSONL,
    /** Parquet with the feed's fields and types. */
    PARQUET;

    /** The format a file's name ends with ({@code .csv}, {@code .jsonl}, {@code .parquet}), else {@code otherwise}. */
    public static InternalFormat ofFile(String fileName, InternalFormat otherwise) {
        String name = fileName.toLowerCase(java.util.Locale.ROOT);
        for (InternalFormat f : values()) {
            if (name.endsWith("." + f.name().toLowerCase(java.util.Locale.ROOT))) {
                return f;
            }
        }
        return otherwise;
    }

    public static InternalFormat of(String name) {
        for (InternalFormat f : values()) {
            if (f.name().equalsIgnoreCase(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + name + "'; one of csv, jsonl, parquet");
    }
}
