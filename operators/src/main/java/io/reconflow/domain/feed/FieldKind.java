package io.reconflow.domain.feed;

/** The value types a feed field can have (FEEDS.md), as read off its Avro schema. */
public enum FieldKind {
    /** Avro {@code string}. */
    STRING,
    /** Avro {@code enum}: a closed set of symbols. */
    ENUM,
    /** Avro {@code int}; an {@code "allowed"} list makes it an enum of numbers. */
    INT,
    /** Avro {@code long}. */
    LONG,
    /** Avro {@code boolean}. */
    BOOLEAN,
    /** Avro {@code bytes} with logical type {@code decimal}: exact, fixed precision and scale. */
    DECIMAL,
    /** Avro {@code long} with logical type {@code timestamp-micros}: an instant, written with an offset. */
    TIMESTAMP,
    /** Avro {@code int} with logical type {@code date}. */
    DATE
}
