package io.reconflow.operators.validate;

import io.reconflow.events.RawRecord;
import io.reconflow.events.RecordTally;
import io.reconflow.events.Reject;
import io.reconflow.operators.Harnesses;
import io.reconflow.operators.Tags;
import io.reconflow.operators.TestFeeds;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.List;

/** The energy feed's {@link ValidateRecords} in a test harness, fresh for each test, with its side outputs. */
abstract class ValidateRecordsHarness {
    OneInputStreamOperatorTestHarness<RawRecord, ValidRecord> harness;

    @BeforeEach
    void open() throws Exception {
        harness = Harnesses.process(new ValidateRecords("energy", TestFeeds.energy()), Harnesses.valid());
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    List<Reject> rejects() {
        return Harnesses.sideOutput(harness, Tags.REJECTS);
    }

    List<RecordTally> tallies() {
        return Harnesses.sideOutput(harness, Tags.TALLIES);
    }
}
