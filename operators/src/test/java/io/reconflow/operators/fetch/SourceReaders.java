package io.reconflow.operators.fetch;

import io.reconflow.events.FetchTask;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceReader;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The counterparty source readers a test made, closed after it (so their fetches stop before the stub does). */
final class SourceReaders implements AfterEachCallback {
    private final List<SourceReader<FetchTask, FetchSplit>> readers = new ArrayList<>();

    SourceReader<FetchTask, FetchSplit> add(SourceReader<FetchTask, FetchSplit> reader) {
        readers.add(reader);
        return reader;
    }

    SourceReader<FetchTask, FetchSplit> started(SourceReader<FetchTask, FetchSplit> reader) {
        add(reader).start();
        return reader;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (SourceReader<FetchTask, FetchSplit> r : readers) {
            r.close();
        }
        readers.clear();
    }
}
