package io.reconflow.operators.source;

import io.reconflow.events.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

import java.io.IOException;

/**
 * A {@link StreamFormat} for one internal file, made per split so that it knows the file. It never
 * reports a byte offset: Flink's adapter then checkpoints the number of records read, and a
 * restored reader reads the file again from the start and skips that many. Reading is
 * deterministic, so the same records come in the same order.
 */
abstract class PerFileFormat implements StreamFormat<RawRecord> {
    private static final long serialVersionUID = 1L;

    /** A line (a CSV record with its quoted line breaks) longer than this is one reject. */
    static final int MAX_RECORD_BYTES = 1024 * 1024;

    /** What every internal-file format produces, whole files or per file. */
    static TypeInformation<RawRecord> producedType() {
        return new AvroTypeInfo<>(RawRecord.class);
    }

    final FileContext context;

    PerFileFormat(FileContext context) {
        this.context = context;
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FSDataInputStream stream, long restoredOffset,
                                           long fileLen, long splitEnd) throws IOException {
        // Offsets are never reported, so the adapter never asks for this.
        throw new UnsupportedOperationException("internal files restore by record count, not offset");
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return producedType();
    }

    /** The part of a line's message that says it is longer than the cap. */
    static String overlong() {
        return "longer than " + MAX_RECORD_BYTES + " bytes; not read";
    }
}
