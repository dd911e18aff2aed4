package io.reconflow.job;

import io.reconflow.events.ErrorCode;
import io.reconflow.events.Reject;
import io.reconflow.events.Side;
import io.reconflow.operators.RejectTexts;
import io.reconflow.domain.feed.Sha256;
import io.reconflow.operators.ledger.LedgerStatements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rejects as the ledger writes them, against a real PostgreSQL: text it cannot hold (U+0000) does
 * not fail the write, and rejects whose stored raw was cut keep the flag and the hash of the whole.
 */
class LedgerRejectTextTest {

    @RegisterExtension
    static final LedgerDatabase DB = new LedgerDatabase();

    private static Reject reject(String raw, String message, String field) {
        Reject.Builder b = Reject.newBuilder().setRecon("ledger-text-test").setFeed("energy-confirmations")
                .setBusinessDate("2026-11-20").setSide(Side.COUNTERPARTY).setSource("northpool\u0000")
                .setBatchId("B-1").setPage(3).setCorrelationId("req-1").setErrorCode(ErrorCode.RECORD_UNPARSEABLE)
                .setField(field).setMessage(message);
        return RejectTexts.raw(b, raw).build();
    }

    @Test
    void textWithNulIsStoredWithReplacementCharactersAndCutRawsKeepTheirFlagAndHash() throws Exception {
        String prefix = "x".repeat(RejectTexts.MAX_RAW_CHARS);
        List<Reject> rejects = List.of(
                reject("{\"a\":\"b\u0000c\"}", "raw NUL \u0000 in a string", "a\u0000b"),
                reject(prefix + "1", "long", null),
                reject(prefix + "2", "long", null));
        try (Connection c = DriverManager.getConnection(DB.jdbcUrl())) {
            try (PreparedStatement ps = c.prepareStatement(LedgerStatements.INSERT_REJECT)) {
                for (Reject r : rejects) {
                    LedgerStatements.reject().accept(ps, r);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            List<List<Object>> rows = new ArrayList<>();
            try (PreparedStatement q = c.prepareStatement("SELECT source, field, message, raw, raw_truncated, raw_sha256 "
                    + "FROM recon_reject WHERE recon = 'ledger-text-test' ORDER BY message, raw_sha256");
                 ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    rows.add(List.of(rs.getString(1), String.valueOf(rs.getString(2)), rs.getString(3),
                            rs.getString(4), rs.getBoolean(5), rs.getString(6)));
                }
            }
            assertThat(rows).hasSize(3);
            // Two records that differ only beyond the stored 64 KiB are two rejects, told apart by their hash.
            assertThat(rows.subList(0, 2)).allSatisfy(r -> {
                assertThat(r.get(3)).isEqualTo(prefix);
                assertThat(r.get(4)).isEqualTo(true);
            });
            assertThat(rows.subList(0, 2)).extracting(r -> r.get(5)).containsExactlyInAnyOrder(
                    Sha256.hex(prefix + "1"), Sha256.hex(prefix + "2"));
            assertThat(rows.get(2)).containsExactly("northpool\uFFFD", "a\uFFFDb", "raw NUL \uFFFD in a string",
                    "{\"a\":\"b\uFFFDc\"}", false, Sha256.hex("{\"a\":\"b\u0000c\"}"));
        }
    }
}
