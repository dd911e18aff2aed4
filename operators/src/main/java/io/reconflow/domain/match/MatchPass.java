package io.reconflow.domain.match;

import java.io.Serializable;
import java.util.List;

/**
 * One pass of matching, in the order the YAML lists them.
 *
 * <p>A pass without a {@code key} works on the match key: without tolerances it needs every rule
 * to hold exactly; with tolerances each rule may use its tolerance. A pass with a {@code key} (a
 * secondary key) works on the records still unmatched after the earlier passes: it pairs an
 * internal and a counterparty record that share the key's values and satisfy the pass's
 * {@code rules}, and reports a record with several such candidates as AMBIGUOUS.
 *
 * @param number 1-based position, recorded in each result the pass decides
 * @param name the pass's name, recorded alongside
 * @param tolerances whether tolerances apply in this pass
 * @param key the secondary key's fields, or null for a pass on the match key
 * @param rules for a keyed pass, the fields of {@code matching.rules} a pair must satisfy to be
 *     candidates (null: all of them)
 */
public record MatchPass(int number, String name, boolean tolerances, List<String> key, List<String> rules)
        implements Serializable {

    public MatchPass {
        key = key == null ? null : List.copyOf(key);
        rules = rules == null ? null : List.copyOf(rules);
    }

    /** A pass on the match key. */
    public MatchPass(int number, String name, boolean tolerances) {
        this(number, name, tolerances, null, null);
    }

    public boolean keyed() {
        return key != null;
    }
}
