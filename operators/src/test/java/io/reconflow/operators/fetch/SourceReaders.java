package io.reconflow.operators.fetch;

import io.reconflow.events.FetchTask;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceReader;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A stub counterparty and the counterparty source readers a test made against it, closed after
 * the test: the readers first, so that their fetches stop before the stub does.
 */
final class SourceReaders implements AfterEachCallback {
    private final StubCounterparty stub = StubCounterparty.started();
    private final List<SourceReader<FetchTask, FetchSplit>> readers = new ArrayList<>();

    StubCounterparty stub() {
        return stub;
    }

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
        stub.close();
    }
}
