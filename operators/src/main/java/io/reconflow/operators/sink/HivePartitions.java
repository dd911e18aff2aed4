package io.reconflow.operators.sink;

import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Puts each row under {@code recon=<name>/business_date=YYYY-MM-DD/}, read from the row's own
 * {@code recon} and {@code business_date} fields, so that query engines see both as partition
 * columns.
 */
public class HivePartitions<T extends GenericRecord> implements BucketAssigner<T, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getBucketId(T row, Context context) {
        return "recon=" + row.get("recon") + "/business_date=" + row.get("business_date");
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
