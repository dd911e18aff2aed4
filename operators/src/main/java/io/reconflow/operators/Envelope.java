package io.reconflow.operators;

/** Field positions of the validated-record envelope ({@link io.reconflow.operators.feed.AvroSchemas#envelope}). */
public final class Envelope {
    private Envelope() {}

    public static final int SIDE = 0;
    public static final int SOURCE = 1;
    public static final int BUSINESS_DATE = 2;
    public static final int BATCH_ID = 3;
    public static final int PAGE = 4;
    public static final int LINE = 5;
    public static final int CORRELATION_ID = 6;
    public static final int IDEMPOTENCY_KEY = 7;
    public static final int CONTENT_HASH = 8;
    public static final int MATCH_KEY = 9;
    public static final int RAW = 10;
    public static final int RECORD = 11;

    public static String str(org.apache.avro.generic.GenericRecord envelope, int position) {
        Object v = envelope.get(position);
        return v == null ? null : v.toString();
    }
}
