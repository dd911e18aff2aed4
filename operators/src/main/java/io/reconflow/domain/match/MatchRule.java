package io.reconflow.domain.match;

import java.io.Serializable;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * One comparison from the YAML's {@code matching.rules}.
 *
 * @param field the counterparty's field, and the name a break is reported under
 * @param internalField our field it is compared with (usually the same as {@code field})
 * @param kind how the two are compared
 * @param tolerance for abs_tolerance and rel_tolerance (rel: 0.005 is 0.5 %)
 * @param window for time_window
 * @param opposites for opposite: each value's opposite (empty: the other symbol of a two-symbol enum)
 */
public record MatchRule(String field, String internalField, RuleKind kind, BigDecimal tolerance, Duration window,
                        Map<String, String> opposites) implements Serializable {

    /** Whether this rule allows any difference at all (and so is waived in an exact pass). */
    public boolean hasTolerance() {
        return kind == RuleKind.ABS_TOLERANCE || kind == RuleKind.REL_TOLERANCE || kind == RuleKind.TIME_WINDOW;
    }
}
