package io.reconflow.sim;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MalformedRecordsTest {

    @Test
    void splicesEveryKindIntoThePagesAndCountsThemInManifestsAndTruth() {
        SimFeeds.Feed f = SimFeeds.energyKeyed();
        Scenario s = ScenarioGenerator.generate(f.spec(), f.match(), ScenarioSettings.small());

        MalformedRecords.Injection i = MalformedRecords.inject(s, f.spec(), 500, 7L);
        Scenario.Batch before = s.batches().get(0);
        Scenario.Batch after = i.scenario().batches().get(0);

        assertThat(i.injected()).hasSize(500);
        Map<MalformedRecords.Kind, Integer> kinds = new EnumMap<>(MalformedRecords.Kind.class);
        i.injected().forEach(r -> kinds.merge(r.kind(), 1, Integer::sum));
        assertThat(kinds).containsOnlyKeys(MalformedRecords.Kind.values());
        assertThat(after.manifest().recordCount()).isEqualTo(before.manifest().recordCount() + 500);
        assertThat(after.manifest().controlTotal()).isEqualTo(before.manifest().controlTotal());
        assertThat(after.pages()).hasSameSizeAs(before.pages());
        assertThat(after.servedRecords()).hasSize(before.servedRecords().size() + 500)
                .containsSubsequence(before.servedRecords());
        for (MalformedRecords.Injected r : i.injected()) {
            assertThat(after.page(r.page()).records()).contains(r.served());
            assertThat(r.code()).isEqualTo(r.kind().code);
        }
        assertThat(i.scenario().truth().totals().counterpartyServed()).isEqualTo(s.truth().totals().counterpartyServed() + 500);
        assertThat(i.scenario().truth().rejects()).hasSize(s.truth().rejects().size() + 500);
    }

    @Test
    void bytesThatAreNotUtf8AreServedAsSuchAndOnlyThere() throws Exception {
        Scenario.Page page = new Scenario.Page(1, List.of("{\"a\":\"x\uDCC3y\"}", "{\"b\":\"\uD83D\uDE00\"}"));

        byte[] body = page.bodyBytes("B-1");

        String text = "{\"batch_id\":\"B-1\",\"page\":1,\"records\":[{\"a\":\"x";
        assertThat(body[text.length()]).isEqualTo((byte) 0xC3);
        assertThatThrownBy(() -> StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(body)))
                .isInstanceOf(CharacterCodingException.class);
        // A real surrogate pair is UTF-8 as usual.
        assertThat(new Scenario.Page(1, List.of("{\"b\":\"\uD83D\uDE00\"}")).bodyBytes("B-1"))
                .isEqualTo(new Scenario.Page(1, List.of("{\"b\":\"\uD83D\uDE00\"}")).body("B-1").getBytes(StandardCharsets.UTF_8));
        assertThat(MalformedRecords.stored("x\uDCC3y")).isEqualTo("x\uFFFDy");
    }
}
