package io.reconflow.job;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.api.CoreErrorCode;
import org.flywaydb.core.api.ErrorCode;
import org.flywaydb.core.api.output.ValidateOutput;
import org.flywaydb.core.api.output.ValidateResult;

/** What a failed Flyway {@code validate} of the ledger means for the user, and what to do about it, in one line. */
final class SchemaMismatch {
    static final String MIGRATE = "run: ./reconflow migrate --config <this yaml> (with the same --set options)";

    private SchemaMismatch() {}

    static String describe(ValidateResult result) {
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        List<String> other = new ArrayList<>();
        for (ValidateOutput m : result.invalidMigrations) {
            String kind = kind(m.errorDetails == null ? null : m.errorDetails.errorCode);
            if (kind == null) {
                other.add(firstLine(m.errorDetails == null ? null : m.errorDetails.errorMessage));
            } else {
                byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(name(m));
            }
        }
        List<String> parts = new ArrayList<>();
        if (byKind.containsKey("pending")) {
            List<String> pending = byKind.get("pending");
            parts.add("it is behind: " + list(pending) + (pending.size() == 1 ? " is" : " are") + " not applied yet; " + MIGRATE);
        }
        if (byKind.containsKey("changed")) {
            parts.add(list(byKind.get("changed")) + " as applied to the database and as in this job are not the same"
                    + " (edited after it was applied): put back the migration as it was applied; migrate refuses to run"
                    + " until they match");
        }
        if (byKind.containsKey("unknown")) {
            parts.add(list(byKind.get("unknown")) + " applied to the database but not part of this job (a newer reconflow"
                    + " migrated it): run that version of the job");
        }
        if (byKind.containsKey("failed")) {
            parts.add(list(byKind.get("failed")) + " failed when applied: fix the cause, then " + MIGRATE);
        }
        parts.addAll(other);
        if (parts.isEmpty()) {
            parts.add(firstLine(result.errorDetails == null ? null : result.errorDetails.errorMessage));
        }
        return String.join("; ", parts);
    }

    /** The kinds of mismatch a user acts on differently; null for any other. */
    private static String kind(ErrorCode code) {
        if (!(code instanceof CoreErrorCode core)) {
            return null;
        }
        return switch (core) {
            case RESOLVED_VERSIONED_MIGRATION_NOT_APPLIED, RESOLVED_REPEATABLE_MIGRATION_NOT_APPLIED,
                 OUTDATED_REPEATABLE_MIGRATION -> "pending";
            case CHECKSUM_MISMATCH, DESCRIPTION_MISMATCH, TYPE_MISMATCH -> "changed";
            case APPLIED_VERSIONED_MIGRATION_NOT_RESOLVED, APPLIED_REPEATABLE_MIGRATION_NOT_RESOLVED -> "unknown";
            case FAILED_VERSIONED_MIGRATION, FAILED_REPEATABLE_MIGRATION -> "failed";
            default -> null;
        };
    }

    private static String name(ValidateOutput m) {
        return m.version == null || m.version.isEmpty() ? "repeatable migration " + m.description : "V" + m.version;
    }

    private static String list(List<String> names) {
        return (names.size() == 1 ? "migration " : "migrations ") + String.join(", ", names);
    }

    private static String firstLine(String message) {
        return message == null ? "Flyway's validate failed" : message.strip().lines().findFirst().orElse("").strip();
    }
}
