package io.reconflow.domain.feed;

import java.io.Serializable;

/**
 * A check across two fields of one record, declared in the feed schema's {@code "checks"} list,
 * e.g. {@code {"field": "delivery_start", "less_than": "delivery_end"}}.
 */
public record DomainCheck(String field, Operator operator, String otherField) implements Serializable {

    public enum Operator {
        LESS_THAN("less_than", "<"),
        LESS_OR_EQUAL("less_or_equal", "<="),
        GREATER_THAN("greater_than", ">"),
        GREATER_OR_EQUAL("greater_or_equal", ">=");

        private final String key;
        private final String symbol;

        Operator(String key, String symbol) {
            this.key = key;
            this.symbol = symbol;
        }

        public String key() { return key; }
        public String symbol() { return symbol; }

        boolean holds(int comparison) {
            return switch (this) {
                case LESS_THAN -> comparison < 0;
                case LESS_OR_EQUAL -> comparison <= 0;
                case GREATER_THAN -> comparison > 0;
                case GREATER_OR_EQUAL -> comparison >= 0;
            };
        }
    }

    public String describe() {
        return field + " " + operator.symbol() + " " + otherField;
    }
}
